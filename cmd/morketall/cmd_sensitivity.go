package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/morketall/morketall/mse/study"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func init() {
	register(&command{
		name:    "sensitivity",
		summary: "list omission and merging: re-estimate without each list and with each pair merged",
		run:     runSensitivity,
	})
}

const sensitivityDefaultProcs = "auto/bca"

const sensitivitySynopsis = `sensitivity [flags] TABLE.csv

Re-estimates the population with each list left out and with each pair
of lists merged into one (a case is on the merged list when it is on
either), and shows the estimates side by side with the change from the
estimate on the whole table. An estimate that moves a lot when one list
is dropped, or when two agencies are counted as one, rests on that list
or on that split and deserves less trust. Leaving a list out also drops
its cases that no other list found.

The table needs at least 3 lists. Default procedure: auto/bca (BIC for up
to 5 lists, stepwise above, BCa bootstrap), which repeats the BIC search
in every bootstrap replicate of every variant: about 2 minutes for a
6-list table on 2 cores; lower --nboot, or choose --procedures, for a
quicker look. With --outdir DIR: sensitivity.csv, sensitivity.json and
sensitivity.svg.`

func runSensitivity(e *env, args []string) error {
	s := &tableStudy[*study.SensitivityResult]{
		name: "sensitivity", synopsis: sensitivitySynopsis, defaults: sensitivityDefaultProcs,
		study: study.ListSensitivity, files: sensitivityFiles, print: printSensitivity,
		fileNames: []string{"sensitivity.csv", "sensitivity.json", "sensitivity.svg"},
	}
	return s.run(e, args)
}

func printSensitivity(w io.Writer, path string, r *study.SensitivityResult) {
	fmt.Fprintf(w, "table  %s: %d lists (%s), %d cases\n", path, len(r.Lists), strings.Join(r.Lists, ", "), r.Observed)
	if r.NBoot > 0 {
		fmt.Fprintf(w, "bootstrap  %d replicates, seed %d\n", r.NBoot, r.Seed)
	}
	for pi, proc := range r.Procedures {
		fmt.Fprintf(w, "\n%s\n", proc)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "variant\tlists\tobserved\testimate\tchange\t95%% interval\tmodel\t\n")
		for _, v := range r.Variants {
			o := v.Outcomes[pi]
			if !o.Estimated() {
				fmt.Fprintf(tw, "%s\t%d\t%d\tnot estimable\t\t\t%s\t\n", v.Label, len(v.Lists), v.Observed, o.Reason)
				continue
			}
			change, iv := "", "-"
			if o.Change != nil && v.Kind != "all" {
				change = fmt.Sprintf("%+.1f%%", 100**o.Change)
			}
			if o.Lower95 != nil {
				iv = fmt.Sprintf("%.0f – %s", *o.Lower95, upperText(o.Upper95, o.Open95))
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%s\t%s\t%s\t\n", v.Label, len(v.Lists), v.Observed, *o.Estimate, change, iv, o.Model)
		}
		tw.Flush()
	}
}

func sensitivityFiles(r *study.SensitivityResult, path string) ([]outFile, error) {
	var rows [][]string
	for _, v := range r.Variants {
		for _, o := range v.Outcomes {
			rows = append(rows, []string{v.Kind, v.Label, strings.Join(v.Changed, " "), strings.Join(v.Lists, " "), strconv.Itoa(v.Observed),
				o.Procedure, o.Status, o.Reason, fptr(o.Estimate), fptr(o.Change), o.Model,
				fptr(o.Lower95), upper(o.Upper95, o.Open95), fptr(o.Lower80), upper(o.Upper80, o.Open80)})
		}
	}
	files := []outFile{
		csvFile("sensitivity.csv", []string{"kind", "variant", "changed", "lists", "observed", "procedure", "status", "reason",
			"estimate", "change", "model", "lower95", "upper95", "lower80", "upper80"}, rows),
		jsonFile("sensitivity.json", r),
	}
	p, err := sensitivityPlot(r, path)
	if err != nil {
		return nil, err
	}
	w := 6*vg.Inch + vg.Length(len(r.Variants))*0.35*vg.Inch
	return append(files, svgFile("sensitivity.svg", p, min(w, 16*vg.Inch), 5*vg.Inch)), nil
}

// sensitivityPlot draws each variant's estimate with its 95% interval,
// one colour per procedure, and the whole-table estimates as dashed lines.
func sensitivityPlot(r *study.SensitivityResult, path string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("List omission and merging, %s", baseName(path))
	p.Y.Label.Text = "estimated population (95% interval)"
	labels := make([]string, len(r.Variants))
	for i, v := range r.Variants {
		labels[i] = v.Label
	}
	p.NominalX(labels...)
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign = draw.XRight
	np := len(r.Procedures)
	for pi, proc := range r.Procedures {
		col := palette[pi%len(palette)]
		shift := 0.0
		if np > 1 {
			shift = 0.5 * (float64(pi)/float64(np-1) - 0.5)
		}
		var pts, ivPts plotter.XYs
		var errs plotter.YErrors
		for vi, v := range r.Variants {
			o := v.Outcomes[pi]
			if !o.Estimated() {
				continue
			}
			x := float64(vi) + shift
			pts = append(pts, plotter.XY{X: x, Y: *o.Estimate})
			if o.Lower95 != nil && o.Upper95 != nil {
				ivPts = append(ivPts, plotter.XY{X: x, Y: *o.Estimate})
				errs = append(errs, struct{ Low, High float64 }{*o.Estimate - *o.Lower95, *o.Upper95 - *o.Estimate})
			}
		}
		if base := r.Variants[0].Outcomes[pi]; base.Estimated() {
			b := *base.Estimate
			line := plotter.NewFunction(func(float64) float64 { return b })
			line.Color = col
			line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(line)
		}
		if len(pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle.Color = col
		sc.GlyphStyle.Radius = vg.Points(3)
		sc.GlyphStyle.Shape = draw.CircleGlyph{}
		if len(ivPts) > 0 {
			eb, err := plotter.NewYErrorBars(struct {
				plotter.XYer
				plotter.YErrorer
			}{ivPts, errs})
			if err != nil {
				return nil, err
			}
			eb.Color = col
			p.Add(eb)
		}
		p.Add(sc)
		p.Legend.Add(proc+" (dashed: all lists)", sc)
	}
	p.X.Min, p.X.Max = -0.6, float64(len(r.Variants))-0.4
	p.Y.Min = 0
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p, nil
}
