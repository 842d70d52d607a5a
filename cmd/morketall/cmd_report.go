package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/morketall/morketall/internal/atomicfile"
	"github.com/morketall/morketall/internal/manifest"
	"github.com/morketall/morketall/internal/report"
	"github.com/morketall/morketall/linkage"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/methods"
	"github.com/morketall/morketall/mse/study"
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

// reportLinkErrReps is the number of perturbed tables per linkage-error
// scenario of the report.
const reportLinkErrReps = 200

func runReport(e *env, args []string) error {
	fs := newFlags(e, "report", reportSynopsis)
	out := fs.String("o", "", "output HTML file (required)")
	publish := fs.Bool("publish", false, "apply disclosure control and leave out the overlap table")
	linkPath := fs.String("linkage", "", "linkage report JSON (morketall link --report) to show linkage quality and sensitivity")
	tablePath := fs.String("table", "", "the overlap table behind an estimate JSON (for the overlap plot, strata and the linkage-error table)")
	strata := fs.String("strata", "", "stratum columns of the overlap table, comma-separated")
	covs := fs.String("covariates", "", "covariate columns of the overlap table, comma-separated (a table INPUT is then estimated by a covariate method, with estimates by group)")
	title := fs.String("title", "", "title of the report")
	method := fs.String("method", "auto", "when INPUT is a table: the method to estimate it with ("+strings.Join(methods.Names(), "|")+")")
	settings := methods.Flags(fs)
	nboot := fs.Int("nboot", mse.DefaultNBoot, fmt.Sprintf("bootstrap replicates when INPUT is a table, 10 to %d", mse.MaxNBoot))
	seed := fs.Uint64("seed", mse.DefaultSeed, "seed of the bootstrap (INPUT a table) and of the linkage-error table")
	force := fs.Bool("force", false, "replace existing output files")
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return err
	}
	switch {
	case *out == "":
		return usagef("missing -o").hint("run \"morketall help report\" for the flags")
	case len(pos) != 1:
		return usagef("report takes exactly one input (an overlap table or an estimate JSON)")
	case *nboot < 10 || *nboot > mse.MaxNBoot:
		return usagef("--nboot must be in [10, %d]", mse.MaxNBoot)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	input := pos[0]
	mpath := manifest.PathFor(*out)
	if err := checkOutputs(e, []string{input, *linkPath, *tablePath}, []string{*out, mpath}, *force); err != nil {
		return err
	}
	m := manifest.New("report", e.commandLine(), toolVersion())
	m.SetOption("publish", *publish)
	in := &report.Input{Version: toolVersion(), Title: *title}
	strataCols := splitList(*strata)
	covCols := splitList(*covs)

	// The linkage report first: it is quick to check, the estimate is not.
	if *linkPath != "" {
		lr, err := readLinkageReport(*linkPath)
		if err != nil {
			return err
		}
		in.Linkage = lr
		m.KeyFingerprint, m.SchemaHash = lr.KeyFingerprint, lr.SchemaHash
	}
	raw, err := readInput(e, input)
	if err != nil {
		return err
	}
	var meth mse.Method
	if isJSON(raw) {
		if set["method"] || set["nboot"] || len(settings.Given) > 0 {
			return usagef("--method, --nboot and the method flags are for a table INPUT; an estimate JSON already names its method")
		}
		res, err := readEstimate(input, raw)
		if err != nil {
			return err
		}
		in.Result = res
		if err := addSource(m, in, "estimate", input); err != nil {
			return failf("%q: %v", input, err)
		}
		if meth, err = methods.FromOptions(res.Options); err != nil {
			e.warnf("%q: the estimate's method cannot be re-run (%s): the linkage sections show no estimates", input, trimPkg(err))
		}
		if *tablePath != "" {
			t, err := readTableCovariates(e, *tablePath, strataCols, covCols)
			if err != nil {
				return err
			}
			in.Table = t
			if err := addSource(m, in, "table", *tablePath); err != nil {
				return failf("%q: %v", *tablePath, err)
			}
			if len(t.Strata) > 0 && len(res.Strata) == 0 && meth != nil {
				// Estimate the strata as the estimate was made.
				if err := reportStrata(e, m, in, t, meth, optionsOf(res)); err != nil {
					return err
				}
			}
		}
	} else {
		if *tablePath != "" {
			return usagef("--table is for an estimate JSON input; INPUT is already a table")
		}
		settings.Parsed(fs)
		settings.Covariates = covCols
		if meth, err = settings.Choose(*method, set["method"]); err != nil {
			return usagef("%s", trimPkg(err))
		}
		t, err := readTableCovariates(e, input, strataCols, covCols)
		if err != nil {
			return err
		}
		if err := addSource(m, in, "table", input); err != nil {
			return failf("%q: %v", input, err)
		}
		opts := &mse.Options{NBoot: *nboot, Seed: seed}
		var res *mse.Result
		prog := newProgress(e, "estimate")
		opts.Progress = prog.update
		err = m.Time("estimate", func() error {
			var err error
			res, err = mse.Estimate(e.ctx, t.Collapse(), meth, opts)
			return err
		})
		prog.done()
		if err != nil {
			return libError(fmt.Sprintf("%q", input), err)
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
			opts.Progress = nil
			if err := reportStrata(e, m, in, t, meth, opts); err != nil {
				return err
			}
		}
	}
	if err := in.Result.Validate(); err != nil {
		return usagef("%q: not a valid estimate: %s", input, trimPkg(err))
	}
	if in.Table != nil {
		if c := in.Table.Collapse(); !slices.Equal(c.Lists, in.Result.Lists) || c.N() != in.Result.Observed {
			return usagef("--table %q is not the table of the estimate (the lists or the observed count differ)", *tablePath)
		}
	}
	if meth != nil {
		if err := reportLinkage(e, m, in, meth, *seed); err != nil {
			return err
		}
	}
	if *linkPath != "" {
		if err := addSource(m, in, "linkage report", *linkPath); err != nil {
			return failf("%q: %v", *linkPath, err)
		}
	}
	if s := in.Result.Options.Seed; s != nil {
		m.SetSeed("bootstrap", *s)
	}
	m.SetOption("title", *title)
	in.Generated = time.Now()

	var buf bytes.Buffer
	err = m.Time("render", func() error {
		return report.Render(&buf, in, &report.Options{Publish: *publish})
	})
	if err != nil {
		if errors.Is(err, report.ErrMismatch) {
			return usagef("--table %q is not the table of the estimate (the lists or the observed count differ)", *tablePath)
		}
		return failf("%s", trimPkg(err))
	}
	if err := atomicfile.WriteFile(*out, buf.Bytes(), &atomicfile.Options{Force: *force}); err != nil {
		return failf("writing %q: %v", *out, err)
	}
	if err := writeManifest(m, "report", *out, *force); err != nil {
		os.Remove(*out)
		return failf("writing the manifest of %q: %v; %q removed", *out, err, *out)
	}
	kind := "INTERNAL report (not for publication)"
	if *publish {
		kind = "published report (disclosure-controlled)"
	}
	fmt.Fprintf(e.stdout, "%s: %s\n", *out, kind)
	if !in.Result.Estimated() {
		e.warnf("the estimate is not estimable: %s", in.Result.Reason)
		return exitCode(exitNotEstimable)
	}
	return nil
}

// readInput reads the report's input file ("-" is standard input).
func readInput(e *env, path string) ([]byte, error) {
	if path == "-" {
		b, err := io.ReadAll(io.LimitReader(e.stdin, maxInputBytes+1))
		if err != nil {
			return nil, usagef("standard input: cannot read: %v", err)
		}
		if len(b) > maxInputBytes {
			return nil, usagef("standard input: larger than %d MB", maxInputBytes>>20)
		}
		return b, nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	if st.Size() > maxInputBytes {
		return nil, usagef("%q: larger than %d MB: not an overlap table or estimate JSON", path, maxInputBytes>>20)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	return b, nil
}

// maxInputBytes bounds a report input read into memory.
const maxInputBytes = 256 << 20

// readEstimate parses and validates an estimate JSON.
func readEstimate(path string, raw []byte) (*mse.Result, error) {
	var res mse.Result
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&res); err != nil || len(res.Lists) < 2 || res.Status == "" {
		return nil, usagef("%q: not an estimate JSON (morketall estimate --json)", path)
	}
	if err := res.Validate(); err != nil {
		return nil, usagef("%q: not a valid estimate: %s", path, trimPkg(err))
	}
	return &res, nil
}

func readLinkageReport(path string) (*linkage.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	defer f.Close()
	lr, err := linkage.ReadReport(f)
	if err != nil {
		return nil, usagef("%q: %s", path, trimPkg(err))
	}
	return lr, nil
}

// reportStrata estimates each stratum of a stratified table for the
// report's strata section.
func reportStrata(e *env, m *manifest.Manifest, in *report.Input, t *mse.Table, meth mse.Method, o *mse.Options) error {
	var sr *mse.Result
	err := m.Time("estimate strata", func() error {
		var err error
		sr, err = mse.Estimate(e.ctx, t, meth, o)
		return err
	})
	if err != nil {
		return libError("estimating the strata", err)
	}
	in.Strata = sr.Strata
	for _, w := range sr.Warnings {
		e.warnf("%s", w)
	}
	return nil
}

// reportLinkage computes what the linkage sections show: the estimate of
// the table under each linkage rule, by the estimate's method with a
// model-conditional interval where it has one, and the linkage-error
// table (the chosen model refitted on perturbed tables, or the method
// re-run when it chooses no model).
func reportLinkage(e *env, m *manifest.Manifest, in *report.Input, meth mse.Method, seed uint64) error {
	if lr := in.Linkage; lr != nil {
		err := m.Time("estimate linkage rules", func() error {
			for _, rr := range lr.Rules {
				t, err := lr.RuleTable(rr.Rule)
				if err != nil {
					return usagef("linkage report: %s", trimPkg(err))
				}
				res, err := mse.Estimate(e.ctx, t, meth, &mse.Options{Interval: mse.IntervalConditional, Quantiles: []float64{0.025, 0.975}, TopModels: 1})
				if errors.Is(err, mse.ErrOptions) {
					res, err = mse.Estimate(e.ctx, t, meth, &mse.Options{Interval: mse.IntervalNone, TopModels: 1})
				}
				if err != nil {
					if e.ctx.Err() != nil {
						return interrupted()
					}
					continue // the rule's table cannot be taken by the method: shown without an estimate
				}
				in.RuleEstimates = append(in.RuleEstimates, report.RuleEstimate{Rule: rr.Rule, Result: res})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if in.Table == nil || !in.Result.Estimated() {
		return nil
	}
	if len(in.Table.Covariates) > 0 {
		e.warnf("the linkage-error table is not computed for a model with covariates: the perturbation of the links does not carry them")
		return nil
	}
	t := in.Table.Collapse()
	perturbed, refit := meth, "the method ("+meth.Name()+") re-run"
	if f, err := meth.Fit(e.ctx, t); err == nil {
		if s, ok := f.(mse.Selector); ok {
			if sel := s.Selected(); sel != nil {
				perturbed = sel
				if in.Result.Model != nil {
					refit = "the chosen model " + in.Result.Model.Notation + " refitted"
				}
			}
		}
	}
	m.SetSeed("linkage-error table", seed)
	prog := newProgress(e, "linkage-error table")
	defer prog.done()
	return m.Time("linkage-error table", func() error {
		les, err := study.LinkageErrorTable(e.ctx, t, perturbed, reportLinkErrReps, seed)
		if err != nil {
			if e.ctx.Err() != nil {
				return interrupted()
			}
			return failf("linkage-error table: %s", trimPkg(err))
		}
		in.LinkageErrors, in.Refit = les, refit
		return nil
	})
}

// optionsOf returns the interval options that reproduce a result.
func optionsOf(r *mse.Result) *mse.Options {
	o := r.Options
	return &mse.Options{Interval: mse.IntervalKind(o.Interval), Quantiles: o.Quantiles, NBoot: o.NBoot, Seed: o.Seed}
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

func fileError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return usagef("%q: no such file", path)
	}
	return usagef("%q: cannot read: %v", path, unwrapPath(err))
}
