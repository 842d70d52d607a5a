package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/morketall/morketall/internal/atomicfile"
	"github.com/morketall/morketall/internal/manifest"
	"github.com/morketall/morketall/internal/scenario"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/methods"
)

func init() {
	register(&command{
		name:    "demo",
		summary: "run the whole pipeline on a fictional country and write a report",
		run:     runDemo,
	})
}

const demoSynopsis = `demo [--outdir DIR] [--force] [--seed N] [--nboot N]

Runs the whole pipeline on a fictional country: nine agencies (police,
immigration, a shelter coordinator, three shelters, a municipal office,
child welfare, an assisted-return programme) hand over messy extracts of
the victims they met; each extract is pseudonymised with a fresh project
key, the pseudonymised lists are linked into an overlap table, the total
is estimated, and the internal and published HTML reports are written.
Everything is synthetic: the names are fictional and the true total of the
fictional world is printed so the estimate can be checked against it.

DIR (default ./morketall-demo) receives the extracts, the key, the
pseudonymised files, the overlap table, the linkage report, the estimate
JSON, the reports, and a manifest beside each output.`

// demoNBoot keeps the demo to seconds; a real analysis uses the default.
const demoNBoot = 200

// demoStrata is the stratum column the demo links and estimates by.
const demoStrata = "sex"

func runDemo(e *env, args []string) error {
	fs := newFlags(e, "demo", demoSynopsis)
	dir := fs.String("outdir", "morketall-demo", "output directory")
	dirO := fs.String("o", "", "the same as --outdir (kept for scripts; -o names a file in the other commands)")
	force := fs.Bool("force", false, "replace the files of an earlier demo in DIR")
	seed := fs.Uint64("seed", scenario.DefaultSeed, "seed of the fictional world and of the bootstrap")
	nboot := fs.Int("nboot", demoNBoot, "bootstrap replicates")
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("demo takes no arguments").hint("run \"morketall help demo\" for the flags")
	}
	if *nboot < 10 || *nboot > mse.MaxNBoot {
		return usagef("--nboot must be in [10, %d]", mse.MaxNBoot)
	}
	if *dirO != "" {
		*dir = *dirO
	}
	if ents, err := os.ReadDir(*dir); err == nil && len(ents) > 0 && !*force {
		return failf("%q exists and is not empty", *dir).hint("use --force to replace the files of an earlier demo, or --outdir to choose another directory")
	}
	d := &demo{e: e, dir: *dir, force: *force, seed: *seed, nboot: *nboot}
	return d.run()
}

type demo struct {
	e     *env
	dir   string
	force bool
	seed  uint64
	nboot int
	log   bytes.Buffer // the subcommands' output, written to DIR/demo.log
	m     *manifest.Manifest
	steps []string // what is where, printed at the end
}

func (d *demo) path(parts ...string) string {
	return filepath.Join(append([]string{d.dir}, parts...)...)
}

// sub runs another morketall command as if from the command line, its
// output going to the demo log (and stdout also to out, when non-nil).
// A failure names the step and the log.
func (d *demo) sub(out io.Writer, step string, args ...string) error {
	c, ok := commands[args[0]]
	if !ok {
		return failf("demo: this build has no %s command", args[0])
	}
	if d.force {
		args = append(args[:1:1], append([]string{"--force"}, args[1:]...)...)
	}
	fmt.Fprintf(&d.log, "$ morketall %s\n", strings.Join(args, " "))
	stdout := io.Writer(&d.log)
	if out != nil {
		stdout = io.MultiWriter(&d.log, out)
	}
	se := &env{ctx: d.e.ctx, stdin: strings.NewReader(""), stdout: stdout, stderr: &d.log, argv: args}
	if code := se.exit(c.run(se, args[1:])); code != exitOK {
		return d.fail(step, code)
	}
	return nil
}

// fail writes the log and says which step failed.
func (d *demo) fail(step string, code int) error {
	d.writeLog()
	if d.e.ctx.Err() != nil {
		return interrupted()
	}
	if code <= 0 {
		code = exitFailure
	}
	return &cliError{code: code, msg: fmt.Sprintf("demo: %s failed (exit code %d); the commands and their messages are in %s", step, code, d.path("demo.log"))}
}

func (d *demo) writeLog() {
	atomicfile.WriteFile(d.path("demo.log"), d.log.Bytes(), &atomicfile.Options{Force: true})
}

func (d *demo) note(format string, args ...any) {
	d.steps = append(d.steps, fmt.Sprintf(format, args...))
}

// run is the demo: the fictional world, the agencies' side, the linkage,
// the estimate and the reports.
func (d *demo) run() error {
	e := d.e
	d.m = manifest.New("demo", e.commandLine(), toolVersion())
	d.m.SetSeed("scenario", d.seed)
	d.m.SetSeed("bootstrap", d.seed)
	d.m.SetOption("nboot", d.nboot)
	d.m.SetOption("strata", []string{demoStrata})
	for _, sub := range []string{"extracts", "pseudonymised"} {
		if err := os.MkdirAll(d.path(sub), 0o755); err != nil {
			return failf("creating %q: %v", d.path(sub), unwrapPath(err))
		}
	}
	w, err := d.world()
	if err != nil {
		return err
	}
	mkts, err := d.agencies(w)
	if err != nil {
		return err
	}
	tablePath, linkPath := d.path("table.csv"), d.path("linkage.json")
	args := append([]string{"link", "--strata", demoStrata, "--report", linkPath, "-o", tablePath}, mkts...)
	if err := d.sub(nil, "link", args...); err != nil {
		return err
	}
	d.m.AddOutput("table", tablePath)
	d.m.AddOutput("linkage-report", linkPath)
	d.note("overlap table   %s  (INTERNAL: exact counts by combination of lists)", tablePath)
	d.note("linkage report  %s", linkPath)

	// The estimate (the overall table; strata go into the report).
	t, err := readTable(e, tablePath, []string{demoStrata})
	if err != nil {
		return d.fail("reading the overlap table", e.exit(err))
	}
	estPath := d.path("estimate.json")
	if err := d.estimate(t, tablePath, estPath); err != nil {
		return err
	}
	if err := d.reports(tablePath, linkPath, estPath); err != nil {
		return err
	}
	d.writeLog()
	if err := manifest.Write(d.path("demo.manifest.json"), d.m, true); err != nil {
		return failf("writing the demo manifest: %v", err)
	}
	fmt.Fprintln(e.stdout)
	for _, s := range d.steps {
		fmt.Fprintln(e.stdout, "  "+s)
	}
	fmt.Fprintln(e.stdout)
	fmt.Fprintf(e.stdout, "true total in this fictional world: %d (%d of them seen by at least one agency)\n", w.Total(), w.Observed())
	fmt.Fprintf(e.stdout, "open %s in a browser\n", d.path("report.html"))
	return nil
}

// world generates the fictional world and writes the agencies' extracts.
func (d *demo) world() (*scenario.World, error) {
	var w *scenario.World
	d.m.Time("generate", func() error { w = scenario.Generate(&scenario.Options{Seed: d.seed}); return nil })
	fmt.Fprintf(d.e.stdout, "morketall demo: a fictional country where %d agencies hold %d records of victims of trafficking (seed %d)\n",
		len(w.Extracts), w.Records(), d.seed)
	for _, x := range w.Extracts {
		p := d.path("extracts", x.Agency.List+".csv")
		// The extracts hold (fictional) plaintext identities: owner only.
		if err := atomicfile.Write(p, &atomicfile.Options{Perm: 0o600, Force: d.force}, x.WriteCSV); err != nil {
			return nil, failf("writing %q: %v", p, err)
		}
	}
	d.note("extracts        %s  (one CSV per agency, fictional names: the only plaintext)", d.path("extracts", "*.csv"))
	return w, nil
}

// agencies makes the project key and each agency's pseudonymised list.
func (d *demo) agencies(w *scenario.World) ([]string, error) {
	keyPath := d.path("project.key")
	var fp bytes.Buffer
	if err := d.sub(&fp, "keygen", "keygen", "-o", keyPath); err != nil {
		return nil, err
	}
	// The extracts are plaintext: described by size and a digest keyed
	// with the project key, never a plain hash.
	key, err := readKey(d.e, keyPath)
	if err != nil {
		return nil, d.fail("reading the key", d.e.exit(err))
	}
	for _, x := range w.Extracts {
		if err := d.m.AddPrivateOutput("extract", d.path("extracts", x.Agency.List+".csv"), key.FileDigest()); err != nil {
			return nil, failf("%v", err)
		}
	}
	d.m.AddSecretOutput("key", keyPath)
	d.m.KeyFingerprint = strings.TrimSpace(fp.String())
	d.note("key             %s  (fingerprint %s; keep it secret, never send it with the lists)", keyPath, d.m.KeyFingerprint)
	var mkts []string
	for _, x := range w.Extracts {
		in := d.path("extracts", x.Agency.List+".csv")
		out := d.path("pseudonymised", x.Agency.List+".mkt")
		if err := d.sub(nil, "pseudonymise "+x.Agency.List, "pseudonymise", "--key", keyPath, "--list", x.Agency.List, in, "-o", out); err != nil {
			return nil, err
		}
		mkts = append(mkts, out)
		if err := d.m.AddOutput("pseudonymised-list", out); err != nil {
			return nil, failf("%v", err)
		}
	}
	d.note("pseudonymised   %s  (what the agencies send: keyed tokens, no names)", d.path("pseudonymised", "*.mkt"))
	return mkts, nil
}

// reports writes the internal and the published report.
func (d *demo) reports(tablePath, linkPath, estPath string) error {
	for _, pub := range []bool{false, true} {
		out := d.path("report.html")
		args := []string{"report", "--table", tablePath, "--strata", demoStrata, "--linkage", linkPath,
			"--title", "Hidden victims of human trafficking in a fictional country: an estimate"}
		if pub {
			out = d.path("report-published.html")
			args = append(args, "--publish")
		}
		args = append(args, "-o", out, estPath)
		var err error
		d.m.Time(filepath.Base(out), func() error { err = d.sub(nil, "report", args...); return nil })
		if err != nil {
			return err
		}
		d.m.AddOutput("report", out)
	}
	d.note("report          %s  (INTERNAL)", d.path("report.html"))
	d.note("                %s  (disclosure-controlled, for publication)", d.path("report-published.html"))
	d.note("manifests       %s  (audit trail: inputs, outputs, hashes, options, seeds)", d.path("*.manifest.json"))
	return nil
}

// estimate writes the estimate JSON of the collapsed table with its
// manifest and notes the headline.
func (d *demo) estimate(t *mse.Table, tablePath, estPath string) error {
	e := d.e
	seed := d.seed
	opts := &mse.Options{NBoot: d.nboot, Seed: &seed}
	meth, err := methods.New("auto", methods.Settings{})
	if err != nil {
		return failf("demo: %s", trimPkg(err))
	}
	m := manifest.New("estimate", e.commandLine()+" (estimate step)", toolVersion())
	m.AddInput("table", tablePath)
	var res *mse.Result
	err = m.Time("estimate", func() error {
		var err error
		res, err = mse.Estimate(e.ctx, t.Collapse(), meth, opts)
		return err
	})
	if err != nil {
		return libError("demo: estimating", err)
	}
	res.Version = toolVersion()
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return failf("demo: encoding the estimate: %v", err)
	}
	if err := atomicfile.WriteFile(estPath, append(b, '\n'), &atomicfile.Options{Force: d.force}); err != nil {
		return failf("writing %q: %v", estPath, err)
	}
	m.SetSeed("bootstrap", seed)
	m.SetOption("method", res.Options.Method)
	m.SetOption("interval", res.Options.Interval)
	m.SetOption("nboot", d.nboot)
	m.SetOption("quantiles", res.Options.Quantiles)
	if err := writeManifest(m, "estimate", estPath, d.force); err != nil {
		return failf("writing the manifest of %q: %v", estPath, err)
	}
	d.m.AddOutput("estimate", estPath)
	if !res.Estimated() {
		d.note("estimate        %s  (not estimable: %s)", estPath, res.Reason)
		return nil
	}
	line := fmt.Sprintf("estimate        %s  %.0f people in total, %d observed", estPath, *res.Estimate, res.Observed)
	if p, ok := res.Intervals.Level(0.95); ok {
		line += fmt.Sprintf("; 95%% interval %s to %s (%s)", demoLimit(p.Lower), demoLimit(p.Upper), p.Method)
	}
	d.note("%s", line)
	return nil
}

func demoLimit(iv mse.Interval) string {
	if iv.Value == nil {
		return "open"
	}
	return fmt.Sprintf("%.0f", *iv.Value)
}
