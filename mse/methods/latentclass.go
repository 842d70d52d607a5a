package methods

import (
	"flag"
	"fmt"
	"math"
	"strconv"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/latentclass"
)

// The Bayesian latent-class model (package latentclass).
func init() {
	register(entry{"latent-class", "LCMCR's Bayesian latent-class model, a posterior from several Markov chains (--chains --iter --burnin --thin --classes --a-alpha --b-alpha)",
		[]string{"chains", "iter", "burnin", "thin", "classes", "a-alpha", "b-alpha"},
		func(s Settings) (mse.Method, error) {
			m := latentclass.Method{Chains: s.Chains, Samples: s.Iter, Burnin: s.Burnin, Thin: s.Thin}
			for _, c := range []struct {
				name string
				what string
				v    *int
			}{{"chains", "the number of chains", &m.Chains}, {"iter", "the kept draws per chain", &m.Samples},
				{"burnin", "the burn-in", &m.Burnin}, {"thin", "the thinning", &m.Thin}} {
				if s.Given[c.name] && *c.v < 1 {
					return nil, fmt.Errorf("methods: --%s (%s) must be at least 1", c.name, c.what)
				}
			}
			if v, ok := s.Extra["classes"]; ok {
				k, err := strconv.Atoi(v)
				if err != nil || k < 2 || k > latentclass.MaxClasses {
					return nil, fmt.Errorf("methods: --classes must be a whole number in [2, %d]", latentclass.MaxClasses)
				}
				m.Classes = k
			}
			for _, c := range []struct {
				name string
				v    *float64
			}{{"a-alpha", &m.AAlpha}, {"b-alpha", &m.BAlpha}} {
				if v, ok := s.Extra[c.name]; ok {
					x, err := strconv.ParseFloat(v, 64)
					if err != nil || !(x > 0) || math.IsInf(x, 0) {
						return nil, fmt.Errorf("methods: --%s must be a positive number", c.name)
					}
					*c.v = x
				}
			}
			m.GibbsOnly = s.Extra["gibbs-only"] == "true"
			return m, nil
		}})
	// Not in the default comparison (compared) yet: at its defaults (4
	// chains × 410,000 sweeps) it would add about 12 CPU seconds to every
	// estimate --compare, the CLI transcript test included.
	// A result's options (latentclass.Method.Settings) rebuild the method
	// with the settings it ran with.
	fromSettings["latent-class"] = func(rec map[string]any, s *Settings) error {
		num := func(k string) (float64, bool) { // a positive JSON number
			v, ok := rec[k].(float64)
			if i, isInt := rec[k].(int); isInt {
				v, ok = float64(i), true
			}
			return v, ok && v > 0
		}
		for _, c := range []struct {
			key string
			v   *int
		}{{"chains", &s.Chains}, {"iter", &s.Iter}, {"burnin", &s.Burnin}, {"thin", &s.Thin}} {
			if v, ok := num(c.key); ok && v == math.Trunc(v) {
				*c.v = int(v)
			}
		}
		if s.Extra == nil {
			s.Extra = map[string]string{}
		}
		for key, flag := range map[string]string{"K": "classes", "a_alpha": "a-alpha", "b_alpha": "b-alpha"} {
			if v, ok := num(key); ok {
				s.Extra[flag] = strconv.FormatFloat(v, 'g', -1, 64)
			}
		}
		if rec["update"] == "gibbs" {
			s.Extra["gibbs-only"] = "true"
		}
		return nil
	}
	for _, f := range []struct{ name, usage string }{
		{"classes", fmt.Sprintf("latent-class: K, the largest number of latent classes (the truncation; default %d, LCMCR's documented value)", latentclass.DefaultClasses)},
		{"a-alpha", fmt.Sprintf("latent-class: shape of the gamma prior on the concentration α (default %g)", latentclass.DefaultAAlpha)},
		{"b-alpha", fmt.Sprintf("latent-class: rate of the gamma prior on the concentration α (default %g)", latentclass.DefaultBAlpha)},
	} {
		defineFlag(f.name, func(fs *flag.FlagSet, s *Settings) {
			fs.Func(f.name, f.usage, func(v string) error { s.Extra[f.name] = v; return nil })
		})
	}
}
