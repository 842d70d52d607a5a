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

// reportFlags are the report command's flags.
type reportFlags struct {
	out, linkPath, tablePath, strata, covs, title, method *string
	publish, force, compare                               *bool
	nboot                                                 *int
	seed                                                  *uint64
	settings                                              *methods.Settings
	set                                                   map[string]bool
}

func defineReportFlags(fs *flag.FlagSet) *reportFlags {
	return &reportFlags{
		out:       fs.String("o", "", "output HTML file (required)"),
		publish:   fs.Bool("publish", false, "apply disclosure control and leave out the overlap table"),
		linkPath:  fs.String("linkage", "", "linkage report JSON (morketall link --report) to show linkage quality and sensitivity"),
		tablePath: fs.String("table", "", "the overlap table behind an estimate JSON (for the overlap plot, strata and the linkage-error table)"),
		strata:    fs.String("strata", "", "stratum columns of the overlap table, comma-separated"),
		covs:      fs.String("covariates", "", "covariate columns of the overlap table, comma-separated (a table INPUT is then estimated by a covariate method, with estimates by group)"),
		title:     fs.String("title", "", "title of the report"),
		method:    fs.String("method", "auto", "when INPUT is a table: the method to estimate it with ("+strings.Join(methods.Names(), "|")+")"),
		settings:  methods.Flags(fs),
		nboot:     fs.Int("nboot", mse.DefaultNBoot, fmt.Sprintf("bootstrap replicates when INPUT is a table, 10 to %d", mse.MaxNBoot)),
		seed:      fs.Uint64("seed", mse.DefaultSeed, "seed of the bootstrap (INPUT a table) and of the linkage-error table"),
		force:     fs.Bool("force", false, "replace existing output files"),
		compare:   fs.Bool("compare", false, "also estimate the table by the other families' methods and show them side by side (needs the table)"),
	}
}

func runReport(e *env, args []string) error {
	fs := newFlags(e, "report", reportSynopsis)
	f := defineReportFlags(fs)
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return err
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	f.settings.Parsed(fs)
	switch {
	case *f.out == "":
		return usagef("missing -o").hint("run \"morketall help report\" for the flags")
	case len(pos) != 1:
		return usagef("report takes exactly one input (an overlap table or an estimate JSON)")
	case *f.nboot < 10 || *f.nboot > mse.MaxNBoot:
		return usagef("--nboot must be in [10, %d]", mse.MaxNBoot)
	}
	input := pos[0]
	if err := checkOutputs(e, []string{input, *f.linkPath, *f.tablePath}, []string{*f.out, manifest.PathFor(*f.out)}, *f.force); err != nil {
		return err
	}
	m := manifest.New("report", e.commandLine(), toolVersion())
	m.SetOption("publish", *f.publish)
	in := &report.Input{Version: toolVersion(), Title: *f.title}
	// The linkage report first: it is quick to check, the estimate is not.
	if *f.linkPath != "" {
		lr, err := readLinkageReport(*f.linkPath)
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
		meth, err = f.fromEstimate(e, m, in, input, raw)
	} else {
		meth, err = f.fromTable(e, m, in, input)
	}
	if err != nil {
		return err
	}
	if err := in.Result.Validate(); err != nil {
		return usagef("%q: not a valid estimate: %s", input, trimPkg(err))
	}
	if in.Table != nil {
		if c := in.Table.Collapse(); !slices.Equal(c.Lists, in.Result.Lists) || c.N() != in.Result.Observed {
			return usagef("--table %q is not the table of the estimate (the lists or the observed count differ)", *f.tablePath)
		}
	}
	if meth != nil {
		if err := reportLinkage(e, m, in, meth, *f.seed); err != nil {
			return err
		}
	}
	if in.Table != nil && in.Result.Estimated() && in.Result.Assumptions == nil {
		a, err := study.Assumptions(in.Table.Collapse(), in.Result, nil)
		if err != nil {
			e.warnf("the sensitivity to what the data cannot tell was not computed: %s", trimPkg(err))
		} else {
			in.Result.Assumptions = a
		}
	}
	if *f.compare {
		if in.Table != nil && len(in.Table.Covariates) > 0 {
			return usagef("--compare runs the methods without covariates: leave out --covariates to compare them on the table")
		}
		if in.Table == nil || meth == nil || !in.Result.Estimated() {
			return usagef("--compare needs the overlap table (INPUT or --table) and an estimate whose method can be re-run")
		}
		c, err := compareMethods(e, in.Table.Collapse(), meth, optionsOf(in.Result), in.Result)
		if err != nil {
			return err
		}
		in.Result.Comparison = c
	}
	if *f.linkPath != "" {
		if err := addSource(m, in, "linkage report", *f.linkPath); err != nil {
			return failf("%q: %v", *f.linkPath, err)
		}
	}
	return f.write(e, m, in)
}

// fromEstimate reads an estimate JSON (and the table behind it) into in
// and returns the method it names, to estimate related tables the same
// way (nil when it cannot be rebuilt).
func (f *reportFlags) fromEstimate(e *env, m *manifest.Manifest, in *report.Input, input string, raw []byte) (mse.Method, error) {
	if f.set["method"] || f.set["nboot"] || len(f.settings.Given) > 0 {
		return nil, usagef("--method, --nboot and the method flags are for a table INPUT; an estimate JSON already names its method")
	}
	res, err := readEstimate(input, raw)
	if err != nil {
		return nil, err
	}
	in.Result = res
	if err := addSource(m, in, "estimate", input); err != nil {
		return nil, failf("%q: %v", input, err)
	}
	meth, err := methods.FromOptions(res.Options)
	if err != nil {
		e.warnf("%q: the estimate's method cannot be re-run (%s): the linkage sections show no estimates", input, trimPkg(err))
		meth = nil
	}
	if *f.tablePath == "" {
		return meth, nil
	}
	t, err := readTableCovariates(e, *f.tablePath, splitList(*f.strata), splitList(*f.covs))
	if err != nil {
		return nil, err
	}
	in.Table = t
	if err := addSource(m, in, "table", *f.tablePath); err != nil {
		return nil, failf("%q: %v", *f.tablePath, err)
	}
	if len(t.Strata) > 0 && len(res.Strata) == 0 && meth != nil {
		// Estimate the strata as the estimate was made.
		if err := reportStrata(e, m, in, t, meth, optionsOf(res)); err != nil {
			return nil, err
		}
	}
	return meth, nil
}

// fromTable estimates a table INPUT with --method and the bootstrap.
func (f *reportFlags) fromTable(e *env, m *manifest.Manifest, in *report.Input, input string) (mse.Method, error) {
	if *f.tablePath != "" {
		return nil, usagef("--table is for an estimate JSON input; INPUT is already a table")
	}
	f.settings.Covariates = splitList(*f.covs)
	meth, err := f.settings.Choose(*f.method, f.set["method"])
	if err != nil {
		return nil, usagef("%s", trimPkg(err))
	}
	t, err := readTableCovariates(e, input, splitList(*f.strata), f.settings.Covariates)
	if err != nil {
		return nil, err
	}
	if err := addSource(m, in, "table", input); err != nil {
		return nil, failf("%q: %v", input, err)
	}
	opts := &mse.Options{NBoot: *f.nboot, Seed: f.seed}
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
		return nil, libError(fmt.Sprintf("%q", input), err)
	}
	res.Version = toolVersion()
	in.Result, in.Table = res, t
	m.SetOption("method", res.Options.Method)
	m.SetOption("interval", res.Options.Interval)
	m.SetOption("quantiles", res.Options.Quantiles)
	m.SetOption("nboot", *f.nboot)
	m.SetSeed("bootstrap", *f.seed)
	if len(t.Strata) > 0 {
		m.SetOption("strata", t.Strata)
		opts.Progress = nil
		if err := reportStrata(e, m, in, t, meth, opts); err != nil {
			return nil, err
		}
	}
	return meth, nil
}

// write renders the report and writes it with its manifest.
func (f *reportFlags) write(e *env, m *manifest.Manifest, in *report.Input) error {
	if s := in.Result.Options.Seed; s != nil {
		m.SetSeed("bootstrap", *s)
	}
	m.SetOption("title", *f.title)
	in.Generated = time.Now()
	var buf bytes.Buffer
	err := m.Time("render", func() error {
		return report.Render(&buf, in, &report.Options{Publish: *f.publish})
	})
	if err != nil {
		if errors.Is(err, report.ErrMismatch) {
			return usagef("--table %q is not the table of the estimate (the lists or the observed count differ)", *f.tablePath)
		}
		return failf("%s", trimPkg(err))
	}
	if err := atomicfile.WriteFile(*f.out, buf.Bytes(), &atomicfile.Options{Force: *f.force}); err != nil {
		return failf("writing %q: %v", *f.out, err)
	}
	if err := writeManifest(m, "report", *f.out, *f.force); err != nil {
		os.Remove(*f.out)
		return failf("writing the manifest of %q: %v; %q removed", *f.out, err, *f.out)
	}
	kind := "INTERNAL report (not for publication)"
	if *f.publish {
		kind = "published report (disclosure-controlled)"
	}
	fmt.Fprintf(e.stdout, "%s: %s\n", *f.out, kind)
	if !in.Result.Estimated() {
		e.warnf("the estimate is %s: %s", statusWords(in.Result.Status), in.Result.Reason)
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
	if in.Result.Diagnostics != nil {
		// A Markov chain method: re-running its chains on hundreds of
		// perturbed tables would take far longer than the estimate.
		e.warnf("the linkage-error table is left out for the Markov chain method %s (estimate --linkage-error computes it)", in.Result.Method)
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
