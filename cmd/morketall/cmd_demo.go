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
		run:     legacy(runDemo),
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

func runDemo(e *env, args []string) int {
	fs := newFlags(e, "demo", demoSynopsis)
	dir := fs.String("outdir", "morketall-demo", "output directory")
	dirO := fs.String("o", "", "the same as --outdir (kept for scripts; -o names a file in the other commands)")
	force := fs.Bool("force", false, "replace the files of an earlier demo in DIR")
	seed := fs.Uint64("seed", scenario.DefaultSeed, "seed of the fictional world and of the bootstrap")
	nboot := fs.Int("nboot", demoNBoot, "bootstrap replicates")
	pos, code := parseFlagsCode(e, fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 0 {
		return e.exit(usagef("demo takes no arguments").hint("run \"morketall help demo\" for the flags"))
	}
	if *nboot < 10 || *nboot > mse.MaxNBoot {
		return e.exit(usagef("--nboot must be in [10, %d]", mse.MaxNBoot))
	}
	if *dirO != "" {
		*dir = *dirO
	}
	if ents, err := os.ReadDir(*dir); err == nil && len(ents) > 0 && !*force {
		e.errorf("%q exists and is not empty", *dir)
		e.hintf("use --force to replace the files of an earlier demo, or --outdir to choose another directory")
		return exitFailure
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
// output going to the demo log (and stdout also to out, when non-nil). It
// returns -1 when the command is not part of this build.
func (d *demo) sub(out io.Writer, args ...string) int {
	c, ok := commands[args[0]]
	if !ok {
		return -1
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
	return se.exit(c.run(se, args[1:]))
}

func (d *demo) fail(step string, code int) int {
	d.e.errorf("demo: %s failed (exit code %d); the commands and their messages are in %s", step, code, d.path("demo.log"))
	d.writeLog()
	if code <= 0 {
		return exitFailure
	}
	return code
}

func (d *demo) writeLog() {
	atomicfile.WriteFile(d.path("demo.log"), d.log.Bytes(), &atomicfile.Options{Force: true})
}

func (d *demo) note(format string, args ...any) {
	d.steps = append(d.steps, fmt.Sprintf(format, args...))
}

func (d *demo) run() int {
	e := d.e
	d.m = manifest.New("demo", e.commandLine(), toolVersion())
	d.m.SetSeed("scenario", d.seed)
	d.m.SetSeed("bootstrap", d.seed)
	d.m.SetOption("nboot", d.nboot)
	d.m.SetOption("strata", []string{demoStrata})
	for _, sub := range []string{"extracts", "pseudonymised"} {
		if err := os.MkdirAll(d.path(sub), 0o755); err != nil {
			e.errorf("creating %q: %v", d.path(sub), unwrapPath(err))
			return exitFailure
		}
	}
	// 1. The fictional world and the agencies' extracts.
	var w *scenario.World
	d.m.Time("generate", func() error { w = scenario.Generate(&scenario.Options{Seed: d.seed}); return nil })
	fmt.Fprintf(e.stdout, "morketall demo: a fictional country where %d agencies hold %d records of victims of trafficking (seed %d)\n",
		len(w.Extracts), w.Records(), d.seed)
	for _, x := range w.Extracts {
		p := d.path("extracts", x.Agency.List+".csv")
		// The extracts hold (fictional) plaintext identities: owner only.
		if err := atomicfile.Write(p, &atomicfile.Options{Perm: 0o600, Force: d.force}, x.WriteCSV); err != nil {
			e.errorf("writing %q: %v", p, err)
			return exitFailure
		}
	}
	d.note("extracts        %s  (one CSV per agency, fictional names: the only plaintext)", d.path("extracts", "*.csv"))

	// 2. A project key and the pseudonymised lists.
	keyPath := d.path("project.key")
	var mkts []string
	var fp bytes.Buffer
	switch code := d.sub(&fp, "keygen", "-o", keyPath); {
	case code < 0:
		d.note("key, pseudonymised lists: unavailable (this build has no keygen/pseudonymise commands)")
		for _, x := range w.Extracts {
			if err := d.m.AddPrivateOutput("extract", d.path("extracts", x.Agency.List+".csv"), nil); err != nil {
				e.errorf("%v", err)
				return exitFailure
			}
		}
	case code != exitOK:
		return d.fail("keygen", code)
	default:
		// The extracts are plaintext: described by size and a digest
		// keyed with the project key, never a plain hash.
		key, code := loadKey(d.e, keyPath)
		if key == nil {
			return d.fail("reading the key", code)
		}
		for _, x := range w.Extracts {
			if err := d.m.AddPrivateOutput("extract", d.path("extracts", x.Agency.List+".csv"), key.FileDigest()); err != nil {
				e.errorf("%v", err)
				return exitFailure
			}
		}
		d.m.AddSecretOutput("key", keyPath)
		d.m.KeyFingerprint = strings.TrimSpace(fp.String())
		d.note("key             %s  (fingerprint %s; keep it secret, never send it with the lists)", keyPath, d.m.KeyFingerprint)
		for _, x := range w.Extracts {
			in := d.path("extracts", x.Agency.List+".csv")
			out := d.path("pseudonymised", x.Agency.List+".mkt")
			code := d.sub(nil, "pseudonymise", "--key", keyPath, "--list", x.Agency.List, in, "-o", out)
			if code < 0 {
				d.note("pseudonymised lists: unavailable (this build has no pseudonymise command)")
				mkts = nil
				break
			}
			if code != exitOK {
				return d.fail("pseudonymise "+x.Agency.List, code)
			}
			mkts = append(mkts, out)
			if err := d.m.AddOutput("pseudonymised-list", out); err != nil {
				e.errorf("%v", err)
				return exitFailure
			}
		}
		if mkts != nil {
			d.note("pseudonymised   %s  (what the agencies send: keyed tokens, no names)", d.path("pseudonymised", "*.mkt"))
		}
	}

	// 3. Linkage into the overlap table, or the true table when linkage is
	// not part of this build.
	tablePath, linkPath := d.path("table.csv"), d.path("linkage.json")
	linked := false
	if mkts != nil {
		args := append([]string{"link", "--strata", demoStrata, "--report", linkPath, "-o", tablePath}, mkts...)
		code := d.sub(nil, args...)
		switch {
		case code == exitOK:
			linked = true
		case code >= 0:
			return d.fail("link", code)
		}
	}
	if linked {
		d.m.AddOutput("table", tablePath)
		d.m.AddOutput("linkage-report", linkPath)
		d.note("overlap table   %s  (INTERNAL: exact counts by combination of lists)", tablePath)
		d.note("linkage report  %s", linkPath)
	} else {
		err := atomicfile.Write(tablePath, &atomicfile.Options{Force: d.force}, w.TrueTableBySex().WriteCSV)
		if err != nil {
			e.errorf("writing %q: %v", tablePath, err)
			return exitFailure
		}
		d.m.AddOutput("table", tablePath)
		d.m.Note("linkage unavailable in this build: the overlap table is the true one")
		d.note("overlap table   %s  (the TRUE table: the link step is unavailable in this build)", tablePath)
		linkPath = ""
	}

	// 4. The estimate (the overall table; strata go into the report).
	t, err := readTable(e, tablePath, []string{demoStrata})
	if err != nil {
		return d.fail("reading the overlap table", e.exit(err))
	}
	estPath := d.path("estimate.json")
	if code := d.estimate(t, tablePath, estPath); code >= 0 {
		return code
	}

	// 5. The reports.
	for _, pub := range []bool{false, true} {
		out := d.path("report.html")
		args := []string{"report", "--table", tablePath, "--strata", demoStrata, "--title", "Hidden victims of human trafficking in a fictional country: an estimate"}
		if pub {
			out = d.path("report-published.html")
			args = append(args, "--publish")
		}
		if linkPath != "" {
			args = append(args, "--linkage", linkPath)
		}
		args = append(args, "-o", out, estPath)
		var code int
		d.m.Time(filepath.Base(out), func() error { code = d.sub(nil, args...); return nil })
		if code != exitOK {
			return d.fail("report", code)
		}
		d.m.AddOutput("report", out)
	}
	d.note("report          %s  (INTERNAL)", d.path("report.html"))
	d.note("                %s  (disclosure-controlled, for publication)", d.path("report-published.html"))
	d.note("manifests       %s  (audit trail: inputs, outputs, hashes, options, seeds)", d.path("*.manifest.json"))

	d.writeLog()
	if err := manifest.Write(d.path("demo.manifest.json"), d.m, true); err != nil {
		e.errorf("writing the demo manifest: %v", err)
		return exitFailure
	}
	fmt.Fprintln(e.stdout)
	for _, s := range d.steps {
		fmt.Fprintln(e.stdout, "  "+s)
	}
	fmt.Fprintln(e.stdout)
	fmt.Fprintf(e.stdout, "true total in this fictional world: %d (%d of them seen by at least one agency)\n", w.Total(), w.Observed())
	fmt.Fprintf(e.stdout, "open %s in a browser\n", d.path("report.html"))
	return exitOK
}

// estimate writes the estimate JSON of the collapsed table with its
// manifest and prints the headline.
func (d *demo) estimate(t *mse.Table, tablePath, estPath string) int {
	e := d.e
	seed := d.seed
	opts := &mse.Options{NBoot: d.nboot, Seed: &seed}
	meth, err := methods.New("auto", methods.Settings{})
	if err != nil {
		e.errorf("demo: %s", trimPkg(err))
		return exitFailure
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
		e.errorf("demo: estimating: %s", trimPkg(err))
		return exitFailure
	}
	res.Version = toolVersion()
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		e.errorf("demo: encoding the estimate: %v", err)
		return exitFailure
	}
	if err := atomicfile.WriteFile(estPath, append(b, '\n'), &atomicfile.Options{Force: d.force}); err != nil {
		e.errorf("writing %q: %v", estPath, err)
		return exitFailure
	}
	m.SetSeed("bootstrap", seed)
	m.SetOption("method", res.Options.Method)
	m.SetOption("interval", res.Options.Interval)
	m.SetOption("nboot", d.nboot)
	m.SetOption("quantiles", res.Options.Quantiles)
	if err := writeManifest(m, "estimate", estPath, d.force); err != nil {
		e.errorf("writing the manifest of %q: %v", estPath, err)
		return exitFailure
	}
	d.m.AddOutput("estimate", estPath)
	if !res.Estimated() {
		d.note("estimate        %s  (not estimable: %s)", estPath, res.Reason)
		return -1
	}
	line := fmt.Sprintf("estimate        %s  %.0f people in total, %d observed", estPath, *res.Estimate, res.Observed)
	if p, ok := res.Intervals.Level(0.95); ok {
		line += fmt.Sprintf("; 95%% interval %s to %s (%s)", demoLimit(p.Lower), demoLimit(p.Upper), p.Method)
	}
	d.note("%s", line)
	return -1
}

func demoLimit(iv mse.Interval) string {
	if iv.Value == nil {
		return "open"
	}
	return fmt.Sprintf("%.0f", *iv.Value)
}
