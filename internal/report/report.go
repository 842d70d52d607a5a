// Package report renders an estimate as one self-contained HTML file for
// readers who are not statisticians: a headline in plain language, the
// lists, their overlaps, the models, the bootstrap, the estimates by
// stratum, the quality of the linkage, and what the method assumes.
//
// # Self-contained
//
// The file has no script, loads nothing from the network and embeds its
// plots as inline SVG drawn with gonum.org/v1/plot. It opens from a USB
// stick on an offline machine, prints, and can be archived as it is.
//
// # Internal and published reports
//
// Without Options.Publish the report is marked INTERNAL on every page: it
// shows exact counts and the overlap table, which can single out people
// and must stay in the data controller's environment. With Publish, every
// table goes through package disclosure (base-3 controlled rounding,
// suppression of small lists and strata, rounded estimates), and neither
// the overlap table nor any plot or number derived from single capture
// patterns appears; the overlap plot is replaced by the distribution of
// the number of agencies that saw each person.
//
// # A pure view
//
// Render is a pure function of its Input apart from writing to w: it fits
// no model and draws no random number. Everything it shows was computed
// by the caller — the estimate (with its top models' conditional
// intervals), the estimates under each linkage rule, the linkage-error
// scenarios — and it shows the method the estimate used, whatever it is.
// It never reads or writes a file. An interval limit that is open is shown
// as open ("at least 8; the data cannot bound it above"), never replaced
// by another method's number.
package report

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/morketall/morketall/linkage"
	"github.com/morketall/morketall/mse"
)

// Input is what a report shows. Only Result is required; each optional
// part adds its section, and a missing part leaves a short note saying how
// to obtain it.
type Input struct {
	// Result is the estimate (the estimate JSON of DESIGN.md). Required.
	Result *mse.Result
	// Strata are estimates by stratum, for a Result that is not itself
	// stratified. Optional; default Result.Strata.
	Strata []mse.StratumResult
	// Table is the overlap table the estimate was made from, with the same
	// lists. Optional: it gives the overlap plot, the overlap table of the
	// internal report, and intervals for the top models.
	Table *mse.Table
	// Linkage is the linkage report of the table. Optional.
	Linkage *linkage.Report
	// RuleEstimates are the estimates of the overlap table under each
	// linkage rule (strict, default, loose), by the estimate's method.
	// Optional: the linkage section then lists the rules without them.
	RuleEstimates []RuleEstimate
	// LinkageErrors are linkage-error scenarios (assumed missed- and
	// false-link rates) and how the estimate moves under each; Refit says
	// what was re-run on the perturbed tables ("the chosen model
	// [12,13,3] refitted"). Optional.
	LinkageErrors []*mse.LinkageErrorResult
	Refit         string
	// Sources describe the input files, e.g. "table.csv" with its SHA-256.
	Sources []Source
	// Title of the report. Default "Hidden victims of human trafficking:
	// an estimate".
	Title string
	// Version is the tool version, shown in the footer.
	Version string
	// Generated is the time of generation, shown in the footer; the zero
	// time omits it (for reproducible output).
	Generated time.Time
}

// RuleEstimate is the estimate of the table linked under one rule.
type RuleEstimate struct {
	Rule   string
	Result *mse.Result
}

// Source is one input file of the report.
type Source struct {
	Role   string // "estimate", "table", "linkage report"
	Name   string // file name as given
	SHA256 string // lowercase hex, optional
}

// Options control Render. A nil *Options means an internal report.
type Options struct {
	// Publish applies disclosure control and leaves out the overlap table.
	// Default false: an internal report.
	Publish bool
}

// Errors of Render.
var (
	ErrNoResult = errors.New("report: no estimate to report")
	ErrMismatch = errors.New("report: the overlap table does not match the estimate")
	ErrInvalid  = errors.New("report: the estimate is not valid")
)

// Render writes the HTML report to w.
func Render(w io.Writer, in *Input, opts *Options) error {
	if in == nil || in.Result == nil {
		return ErrNoResult
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := in.Result.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	v, err := build(in, o)
	if err != nil {
		return err
	}
	return page.Execute(w, v)
}
