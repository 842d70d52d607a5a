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
	"strings"

	"github.com/morketall/morketall/mse"
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
	// Chains, Iter, Burnin and Thin are a Markov chain sampler's: the
	// number of chains, the kept iterations per chain, the iterations
	// discarded first and the thinning interval.
	Chains, Iter, Burnin, Thin int
	// Extra holds a family's further settings by flag name, as given.
	Extra map[string]string
	// Covariates are the covariate columns the table declares (the
	// estimate command's --covariates): Choose then picks a method that
	// models them and refuses one that does not.
	Covariates []string
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
	uses    []string // the settings (flag names) that apply
	build   func(s Settings) (mse.Method, error)
}

// covariateMethods names the methods that model a table's covariates;
// covariateDefault and covariateFixed are those Choose picks for a table
// with covariates when --method is not given (without and with --model).
// The covariate family's file sets them.
var (
	covariateMethods                 = map[string]bool{}
	covariateDefault, covariateFixed string
)

// familyOrder places each family's entries in help and in Names; a
// family not listed comes last, in registration order.
var familyOrder = []string{"main", "fixed", "stepwise", "bic", "aic", "auto"}

// registry holds the methods in the order help lists them; each family's
// file of this package adds its entries from init, in file order.
var registry []entry

// register adds a method. The log-linear methods come first whatever the
// order in which the families' files register (familyOrder).
func register(e entry) {
	for _, x := range registry {
		if x.name == e.name {
			panic("methods: registered twice: " + e.name)
		}
	}
	registry = append(registry, e)
	rank := func(name string) int {
		if i := slices.Index(familyOrder, name); i >= 0 {
			return i
		}
		return len(familyOrder)
	}
	slices.SortStableFunc(registry, func(a, b entry) int { return rank(a.name) - rank(b.name) })
}

// aliases resolve names that are not registry entries (each Rcapture
// model is a method name of its own, as procedures write them).
var aliases []func(name string) (entry, bool)

// compared are the procedures ("method/interval") that a comparison runs
// by default (estimate --compare), in order; each family adds its own.
var compared []string

// Compared returns the procedures a comparison of methods runs by
// default.
func Compared() []string { return slices.Clone(compared) }

// lookup finds a method by name. Each Rcapture model is also a method
// name of its own ("Mth-Chao"), as the study suite's procedures write
// them.
func lookup(name string) (entry, bool) {
	for _, e := range registry {
		if e.name == name {
			return e, true
		}
	}
	for _, a := range aliases {
		if e, ok := a(name); ok {
			return e, true
		}
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
	for g := range s.Given {
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

// ordered is the registry in help order: the methods for tables with
// covariates (whose family file initialises first) after the others.
func ordered() []entry {
	out := make([]entry, 0, len(registry))
	for _, cov := range []bool{false, true} {
		for _, e := range registry {
			if covariateMethods[e.name] == cov {
				out = append(out, e)
			}
		}
	}
	return out
}

// Names lists the method names (without the Rcapture model names).
func Names() []string {
	out := make([]string, len(registry))
	for i, e := range ordered() {
		out[i] = e.name
	}
	return out
}

// CovariateMethods lists the methods that model covariates.
func CovariateMethods() []string {
	var out []string
	for _, e := range ordered() {
		if covariateMethods[e.name] {
			out = append(out, e.name)
		}
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
	for i, e := range ordered() {
		out[i] = e.name + ": " + e.summary
	}
	return out
}

// flagDef defines one setting as a flag.
type flagDef struct {
	name   string
	define func(fs *flag.FlagSet, s *Settings)
}

// flagDefs are the setting flags, in the order help lists them; each
// family's file adds its own from init.
var flagDefs []flagDef

func defineFlag(name string, define func(fs *flag.FlagSet, s *Settings)) {
	flagDefs = append(flagDefs, flagDef{name, define})
}

// Flags defines the method settings as flags on fs, except those named in
// skip, and returns the Settings they fill; call Settings.Parsed after
// fs.Parse to record which were given.
func Flags(fs *flag.FlagSet, skip ...string) *Settings {
	s := &Settings{Extra: map[string]string{}}
	for _, d := range flagDefs {
		if !slices.Contains(skip, d.name) {
			d.define(fs, s)
			s.defined = append(s.defined, d.name)
		}
	}
	return s
}

func init() {
	defineFlag("chains", func(fs *flag.FlagSet, s *Settings) {
		fs.IntVar(&s.Chains, "chains", 0, "Markov chain methods: the number of chains (default: the method's)")
	})
	defineFlag("iter", func(fs *flag.FlagSet, s *Settings) {
		fs.IntVar(&s.Iter, "iter", 0, "Markov chain methods: kept draws per chain (default: the method's)")
	})
	defineFlag("burnin", func(fs *flag.FlagSet, s *Settings) {
		fs.IntVar(&s.Burnin, "burnin", 0, "Markov chain methods: iterations discarded at the start of each chain (default: the method's)")
	})
	defineFlag("thin", func(fs *flag.FlagSet, s *Settings) {
		fs.IntVar(&s.Thin, "thin", 0, "Markov chain methods: keep every thin-th iteration (default: the method's)")
	})
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
	if len(s.Covariates) > 0 {
		switch {
		case !methodGiven && s.Given["model"]:
			method = covariateFixed
		case !methodGiven:
			method = covariateDefault
		default:
			if _, ok := lookup(method); ok && !covariateMethods[method] {
				return nil, fmt.Errorf("methods: method %s does not model covariates: use one of %s, or leave out --covariates to estimate without them", method, strings.Join(CovariateMethods(), ", "))
			}
		}
		return New(method, *s)
	}
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
	if f, ok := fromSettings[o.Method]; ok && o.Settings != nil {
		if err := f(o.Settings, &s); err != nil {
			return nil, err
		}
	}
	return New(o.Method, s)
}

// fromSettings turn a method's recorded Options.Settings back into
// Settings, by method name; each family's file adds its own.
var fromSettings = map[string]func(recorded map[string]any, s *Settings) error{}
