package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/morketall/morketall/internal/atomicfile"
	"github.com/morketall/morketall/internal/manifest"
	"github.com/morketall/morketall/internal/report"
	"github.com/morketall/morketall/mse"
)

func init() {
	register(&command{
		name:    "report",
		summary: "write the HTML report of an estimate (--publish for a shareable one)",
		run:     runReport,
	})
}

const reportSynopsis = `report -o REPORT.html [flags] INPUT

Writes one self-contained HTML file (no script, no network) that explains
the estimate to a non-statistician: the headline, the lists, their
overlaps, the models, the bootstrap, estimates by stratum, the linkage and
what the method assumes. INPUT is an overlap table (CSV; it is estimated
with the default method) or an estimate JSON (morketall estimate --json).

Without --publish the report is INTERNAL: it holds exact counts and the
overlap table. With --publish every table is disclosure-controlled (counts
rounded to multiples of 3 with consistent totals, lists under 3 and strata
under 10 people withheld, estimates rounded) and the overlap table is left
out.

A manifest (REPORT.html.manifest.json) records the inputs' SHA-256 and the
options.`

func runReport(e *env, args []string) int {
	fs := newFlags(e, "report", reportSynopsis)
	out := fs.String("o", "", "output HTML file (required)")
	publish := fs.Bool("publish", false, "apply disclosure control and leave out the overlap table")
	linkPath := fs.String("linkage", "", "linkage report JSON (morketall link --report) to show linkage quality and sensitivity")
	tablePath := fs.String("table", "", "the overlap table behind an estimate JSON (for the overlap plot and model intervals)")
	strata := fs.String("strata", "", "stratum columns of the overlap table, comma-separated")
	title := fs.String("title", "", "title of the report")
	nboot := fs.Int("nboot", mse.DefaultNBoot, "bootstrap replicates when INPUT is a table")
	seed := fs.Uint64("seed", mse.DefaultSeed, "bootstrap seed when INPUT is a table")
	force := fs.Bool("force", false, "replace existing output files")
	pos, code := parseFlags(e, fs, args)
	if code >= 0 {
		return code
	}
	if *out == "" || len(pos) != 1 {
		if *out == "" {
			e.errorf("missing -o")
		} else {
			e.errorf("report takes exactly one input (an overlap table or an estimate JSON)")
		}
		fs.Usage()
		return exitUsage
	}
	input := pos[0]
	mpath := manifest.PathFor(*out)
	if code := checkOutputs(e, []string{input, *linkPath, *tablePath}, []string{*out, mpath}, *force); code >= 0 {
		return code
	}
	m := manifest.New("report", e.commandLine(), toolVersion())
	m.SetOption("publish", *publish)
	var in report.Input
	in.Version = toolVersion()
	in.Title = *title
	var strataCols []string
	if *strata != "" {
		strataCols = splitList(*strata)
	}

	// The linkage report first: it is quick to check, the estimate is not.
	if *linkPath != "" {
		f, err := os.Open(*linkPath)
		if err != nil {
			return fileError(e, *linkPath, err)
		}
		lr, err := report.ReadLinkageReport(f)
		f.Close()
		if err != nil {
			e.errorf("%q: %s", *linkPath, strings.TrimPrefix(err.Error(), "report: "))
			return exitUsage
		}
		in.Linkage = lr
		m.KeyFingerprint, m.SchemaHash = lr.KeyFingerprint, lr.SchemaHash
	}
	raw, err := os.ReadFile(input)
	if err != nil {
		return fileError(e, input, err)
	}
	if isJSON(raw) {
		var res mse.Result
		if err := json.Unmarshal(raw, &res); err != nil || len(res.Lists) < 2 || res.Status == "" {
			e.errorf("%q: not an estimate JSON (morketall estimate --json)", input)
			return exitUsage
		}
		in.Result = &res
		if err := addSource(m, &in, "estimate", input); err != nil {
			e.errorf("%q: %v", input, err)
			return exitFailure
		}
		if *tablePath != "" {
			t, code := readTable(e, *tablePath, strataCols)
			if code >= 0 {
				return code
			}
			in.Table = t
			if err := addSource(m, &in, "table", *tablePath); err != nil {
				e.errorf("%q: %v", *tablePath, err)
				return exitFailure
			}
			if len(t.Strata) > 0 && len(res.Strata) == 0 {
				// Estimate the strata as the estimate was made.
				o := optionsOf(&res)
				o.Context = e.ctx
				if code := reportStrata(e, m, &in, t, o); code >= 0 {
					return code
				}
			}
		}
	} else {
		if *tablePath != "" {
			e.errorf("--table is for an estimate JSON input; INPUT is already a table")
			return exitUsage
		}
		t, code := readTable(e, input, strataCols)
		if code >= 0 {
			return code
		}
		if err := addSource(m, &in, "table", input); err != nil {
			e.errorf("%q: %v", input, err)
			return exitFailure
		}
		opts := &mse.Options{NBoot: *nboot, Seed: seed, Context: e.ctx}
		var res *mse.Result
		err := m.Time("estimate", func() error {
			var err error
			res, err = mse.Estimate(t.Collapse(), opts)
			return err
		})
		if err != nil {
			e.errorf("%q: %s", input, trimPkg(err))
			return exitUsage
		}
		res.Version = toolVersion()
		in.Result, in.Table = res, t
		m.SetOption("method", res.Options.Method)
		m.SetOption("interval", res.Options.Interval)
		m.SetOption("quantiles", res.Options.Quantiles)
		m.SetOption("nboot", *nboot)
		m.SetSeed("bootstrap", *seed)
		if len(t.Strata) > 0 {
			m.SetOption("strata", t.Strata)
			if code := reportStrata(e, m, &in, t, opts); code >= 0 {
				return code
			}
		}
	}
	if *linkPath != "" {
		if err := addSource(m, &in, "linkage report", *linkPath); err != nil {
			e.errorf("%q: %v", *linkPath, err)
			return exitFailure
		}
	}
	if s := in.Result.Options.Seed; s != nil {
		m.SetSeed("bootstrap", *s)
	}
	m.SetOption("title", *title)
	in.Generated = time.Now()

	var buf bytes.Buffer
	err = m.Time("render", func() error {
		return report.Render(&buf, &in, &report.Options{Publish: *publish})
	})
	if err != nil {
		if errors.Is(err, report.ErrMismatch) {
			e.errorf("--table %q is not the table of the estimate (the lists or the observed count differ)", *tablePath)
			return exitUsage
		}
		e.errorf("%s", strings.TrimPrefix(err.Error(), "report: "))
		return exitFailure
	}
	if err := atomicfile.WriteFile(*out, buf.Bytes(), &atomicfile.Options{Force: *force}); err != nil {
		e.errorf("writing %q: %v", *out, err)
		return exitFailure
	}
	if err := writeManifest(m, "report", *out, *force); err != nil {
		os.Remove(*out)
		e.errorf("writing the manifest of %q: %v; %q removed", *out, err, *out)
		return exitFailure
	}
	kind := "INTERNAL report (not for publication)"
	if *publish {
		kind = "published report (disclosure-controlled)"
	}
	fmt.Fprintf(e.stdout, "%s: %s\n", *out, kind)
	if !in.Result.Estimated() {
		e.warnf("the estimate is not estimable: %s", in.Result.Reason)
		return exitNotEstimable
	}
	return exitOK
}

// reportStrata estimates each stratum of a stratified table for the
// report's strata section.
func reportStrata(e *env, m *manifest.Manifest, in *report.Input, t *mse.Table, o *mse.Options) int {
	var sr *mse.Result
	err := m.Time("estimate strata", func() error {
		var err error
		sr, err = mse.EstimateStrata(t, o)
		return err
	})
	if err != nil {
		e.errorf("estimating the strata: %s", trimPkg(err))
		return exitFailure
	}
	in.Strata = sr.Strata
	for _, w := range sr.Warnings {
		e.warnf("%s", w)
	}
	return -1
}

// optionsOf returns the options that reproduce a result's method.
func optionsOf(r *mse.Result) *mse.Options {
	o := r.Options
	return &mse.Options{Method: mse.Method(o.Method), Model: o.Model, PThresh: o.PThresh,
		MaxOrder: o.MaxOrder, Rcapture: o.Rcapture, Interval: mse.IntervalMethod(o.Interval), Quantiles: o.Quantiles,
		NBoot: o.NBoot, Seed: o.Seed}
}

// writeManifest records the output and writes OUT.manifest.json.
func writeManifest(m *manifest.Manifest, role, out string, force bool) error {
	if err := m.AddOutput(role, out); err != nil {
		return err
	}
	return manifest.Write(manifest.PathFor(out), m, force)
}

func addSource(m *manifest.Manifest, in *report.Input, role, path string) error {
	if err := m.AddInput(role, path); err != nil {
		return err
	}
	f := m.Inputs[len(m.Inputs)-1]
	in.Sources = append(in.Sources, report.Source{Role: role, Name: filepath.Base(path), SHA256: f.SHA256})
	return nil
}

func isJSON(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

func fileError(e *env, path string, err error) int {
	if errors.Is(err, fs.ErrNotExist) {
		e.errorf("%q: no such file", path)
		return exitUsage
	}
	e.errorf("%q: cannot read: %v", path, unwrapPath(err))
	return exitUsage
}
