// Package methods is the one registry of estimation methods by name: the
// command line, the study suite and anyone who builds a method from a
// string (a flag, a procedure "stepwise/bca", a result's options) go
// through it. Adding a method family means adding its entries and its
// settings here and nowhere else: the driver (mse.Estimate), the CLI, the
// report and the study suite only see mse.Method values.
package methods

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/loglin"
	"github.com/morketall/morketall/mse/rcapture"
)

// ErrUnknown is wrapped by errors for a method name not in the registry.
var ErrUnknown = errors.New("methods: unknown method")

// Settings are what a caller can tell a method beyond its name. Zero
// values mean the method's defaults. Each method uses some of them (see
// Uses); New refuses one that was given explicitly (Given) but does not
// apply.
type Settings struct {
	// Model is the model of the fixed method, in any notation
	// mse.ParseModel reads.
	Model string
	// PThresh is the stepwise threshold (stepwise, auto), in (0, 1].
	PThresh float64
	// MaxOrder bounds the BIC/AIC search (bic, aic, auto).
	MaxOrder int
	// NTop is the number of best models the BIC/AIC bootstrap searches
	// (bic, aic, auto); loglin.NTopAll for all.
	NTop int
	// Rcapture is the model of the rcapture method, e.g. "Mth-Chao".
	Rcapture string
	// Given names the settings set explicitly (flag names: "model",
	// "pthresh", "maxorder", "ntop", "rcapture"). A given zero is an
	// error, not the default, and a given setting the method does not use
	// is refused.
	Given map[string]bool

	defined []string // the flags Flags defined
}

// entry is one method of the registry.
type entry struct {
	name    string
	summary string
	uses    []string // the settings that apply
	build   func(s Settings) (mse.Method, error)
}

// The methods, in the order help lists them.
var registry = []entry{
	{"main", "the independence model", nil,
		func(Settings) (mse.Method, error) { return loglin.Main{}, nil }},
	{"fixed", "one hierarchical model given with --model", []string{"model"},
		func(s Settings) (mse.Method, error) { return loglin.Fixed{Model: s.Model}, nil }},
	{"stepwise", "SparseMSE's stepwise selection (--pthresh)", []string{"pthresh"},
		func(s Settings) (mse.Method, error) { return loglin.Stepwise{PThresh: s.PThresh}, nil }},
	{"bic", "MSE-R's search over all hierarchical models by BIC (--maxorder)", []string{"maxorder", "ntop"},
		func(s Settings) (mse.Method, error) {
			return loglin.Search{Criterion: loglin.BIC, MaxOrder: s.MaxOrder, NTop: s.NTop}, nil
		}},
	{"aic", "the same search by AIC", []string{"maxorder", "ntop"},
		func(s Settings) (mse.Method, error) {
			return loglin.Search{Criterion: loglin.AIC, MaxOrder: s.MaxOrder, NTop: s.NTop}, nil
		}},
	{"auto", "MSE-R's rule: bic for up to 5 lists, stepwise above", []string{"pthresh", "maxorder", "ntop"},
		func(s Settings) (mse.Method, error) {
			return loglin.Auto{PThresh: s.PThresh, MaxOrder: s.MaxOrder, NTop: s.NTop}, nil
		}},
	{"rcapture", "one of Rcapture's closed-population models (--rcapture)", []string{"rcapture"},
		func(s Settings) (mse.Method, error) {
			if s.Rcapture == "" {
				return nil, errors.New("methods: method rcapture needs a model (--rcapture M0|Mt|Mh-Chao|…)")
			}
			m, err := rcapture.ParseModel(s.Rcapture)
			if err != nil {
				return nil, err
			}
			return rcapture.Method{Model: m}, nil
		}},
}

// lookup finds a method by name. Each Rcapture model is also a method
// name of its own ("Mth-Chao"), as the study suite's procedures write
// them.
func lookup(name string) (entry, bool) {
	for _, e := range registry {
		if e.name == name {
			return e, true
		}
	}
	if m, err := rcapture.ParseModel(name); err == nil {
		return entry{name: name, build: func(Settings) (mse.Method, error) { return rcapture.Method{Model: m}, nil }}, true
	}
	return entry{}, false
}

// New returns the method of the given name with the settings. It checks
// the settings (a given zero, a value out of range, a setting the method
// does not use) so that a caller can refuse them before any work.
func New(name string, s Settings) (mse.Method, error) {
	e, ok := lookup(name)
	if !ok {
		return nil, fmt.Errorf("%w %q (want %s, or an Rcapture model such as Mth-Chao)", ErrUnknown, name, strings.Join(Names(), ", "))
	}
	for _, g := range []string{"model", "pthresh", "maxorder", "ntop", "rcapture"} {
		if s.Given[g] && !slices.Contains(e.uses, g) {
			return nil, fmt.Errorf("methods: --%s does not apply to method %s", g, name)
		}
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	m, err := e.build(s)
	if err != nil {
		return nil, err
	}
	if v, ok := m.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Check refuses given values that would otherwise silently mean the
// default.
func (s Settings) Check() error {
	switch {
	case s.Given["pthresh"] && !(s.PThresh > 0 && s.PThresh <= 1):
		return errors.New("methods: --pthresh must be in (0, 1] (use method main for main effects)")
	case s.Given["maxorder"] && s.MaxOrder < 1:
		return errors.New("methods: --maxorder must be at least 1 (and below the number of lists)")
	case s.Given["ntop"] && s.NTop == 0:
		return errors.New("methods: --ntop must be a positive number or all")
	case s.Given["model"] && strings.TrimSpace(s.Model) == "":
		return errors.New("methods: --model is empty")
	}
	return nil
}

// Names lists the method names (without the Rcapture model names).
func Names() []string {
	out := make([]string, len(registry))
	for i, e := range registry {
		out[i] = e.name
	}
	return out
}

// Uses lists the settings a method uses (flag names).
func Uses(name string) []string {
	e, _ := lookup(name)
	return slices.Clone(e.uses)
}

// Summary is the one-line help of each method, "name: summary", in order.
func Summary() []string {
	out := make([]string, len(registry))
	for i, e := range registry {
		out[i] = e.name + ": " + e.summary
	}
	return out
}

// RcaptureModels lists the Rcapture model names, for help texts.
func RcaptureModels() []string {
	var out []string
	for _, m := range rcapture.Models() {
		out = append(out, string(m))
	}
	return out
}

// Flags defines the method settings as flags on fs, except those named in
// skip, and returns the Settings they fill; call Settings.Parsed after
// fs.Parse to record which were given.
func Flags(fs *flag.FlagSet, skip ...string) *Settings {
	s := &Settings{NTop: 0}
	def := func(name string, f func()) {
		if !slices.Contains(skip, name) {
			f()
			s.defined = append(s.defined, name)
		}
	}
	def("model", func() {
		fs.StringVar(&s.Model, "model", "", "the model for --method fixed, e.g. [12,13,3] or [LA:NG, GO]")
	})
	def("pthresh", func() {
		fs.Float64Var(&s.PThresh, "pthresh", loglin.DefaultPThresh, "stepwise p-value threshold, in (0, 1]")
	})
	def("maxorder", func() {
		fs.IntVar(&s.MaxOrder, "maxorder", 0, "highest interaction order of the bic/aic search, from 1 to the number of lists − 1 (default: MSE-R's for the number of lists)")
	})
	def("ntop", func() {
		fs.Func("ntop", "models searched in each bic/aic bootstrap replicate: N or all (default: all for up to 5 lists, 100 for 6)", func(v string) error {
			switch v {
			case "all":
				s.NTop = loglin.NTopAll
			case "default":
				s.NTop = 0
			default:
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 {
					return errors.New("want a positive number or all")
				}
				s.NTop = n
			}
			return nil
		})
	})
	def("rcapture", func() {
		fs.StringVar(&s.Rcapture, "rcapture", "", "an Rcapture model: "+strings.Join(RcaptureModels(), "|"))
	})
	return s
}

// Parsed records which of the flags were given on fs.
func (s *Settings) Parsed(fs *flag.FlagSet) {
	s.Given = map[string]bool{}
	fs.Visit(func(f *flag.Flag) {
		if slices.Contains(s.defined, f.Name) {
			s.Given[f.Name] = true
		}
	})
	if s.Given["ntop"] && s.NTop == 0 {
		// "--ntop default" is the default, not an explicit zero.
		delete(s.Given, "ntop")
	}
}

// Choose resolves the method of the estimate command's flags: method is
// --method's value and methodGiven whether it was set. --rcapture alone
// means the rcapture method, --model alone the fixed method.
func (s *Settings) Choose(method string, methodGiven bool) (mse.Method, error) {
	if !methodGiven {
		switch {
		case s.Given["rcapture"] && s.Given["model"]:
			return nil, errors.New("methods: --rcapture and --model cannot be combined: an Rcapture model is not a hierarchical model")
		case s.Given["rcapture"]:
			method = "rcapture"
		case s.Given["model"]:
			method = "fixed"
		}
	}
	return New(method, *s)
}

// FromOptions rebuilds the method that produced a result from the options
// the result records (Result.Options), e.g. to estimate related tables the
// same way.
func FromOptions(o mse.OptionsInfo) (mse.Method, error) {
	s := Settings{Model: o.Model, PThresh: o.PThresh, MaxOrder: o.MaxOrder, Rcapture: o.Rcapture}
	if o.Method == "" {
		return nil, fmt.Errorf("%w: the result names no method", ErrUnknown)
	}
	return New(o.Method, s)
}
