package methods

import (
	"errors"
	"flag"
	"strconv"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/graphavg"
)

// Averaging over decomposable graphical models (package graphavg).
func init() {
	register(entry{"graph-average", "dga's Bayesian averaging over decomposable graphs (--delta, --nmissing-max, --prior, --chains …)",
		[]string{"delta", "nmissing-max", "prior", "allow-disconnected", "chains", "iter", "burnin", "thin"},
		func(s Settings) (mse.Method, error) {
			m := graphavg.Method{Chains: s.Chains, Iter: s.Iter, Burnin: s.Burnin, Thin: s.Thin}
			if v, ok := s.Extra["delta"]; ok {
				d, err := strconv.ParseFloat(v, 64)
				if err != nil || !(d > 0) {
					return nil, errors.New("methods: --delta must be a positive number")
				}
				m.Delta = d
			}
			if v, ok := s.Extra["nmissing-max"]; ok {
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 {
					return nil, errors.New("methods: --nmissing-max must be a positive whole number")
				}
				m.MaxMissing = n
			}
			if v, ok := s.Extra["prior"]; ok {
				m.Prior = graphavg.Prior(v)
			}
			if s.Extra["allow-disconnected"] == "true" {
				m.AllowDisconnected = true
			}
			if s.Given["chains"] && s.Chains < 2 || s.Given["iter"] && s.Iter < 1 || s.Given["burnin"] && s.Burnin < 1 || s.Given["thin"] && s.Thin < 1 {
				return nil, errors.New("methods: --chains must be at least 2 and --iter, --burnin, --thin at least 1")
			}
			return m, nil
		}})
	compared = append(compared, "graph-average/posterior")
	for _, f := range []struct{ name, usage string }{
		{"delta", "graph-average: the hyper-Dirichlet prior count per cell (default 2^-K, dga's)"},
		{"nmissing-max", "graph-average: the grid of unseen people runs 0 … this (default 30 × observed, the dga reference runs')"},
		{"prior", "graph-average: prior on N, inverse (1/N, dga's) or uniform"},
	} {
		defineFlag(f.name, func(fs *flag.FlagSet, s *Settings) {
			fs.Func(f.name, f.usage, func(v string) error { s.Extra[f.name] = v; return nil })
		})
	}
	defineFlag("allow-disconnected", func(fs *flag.FlagSet, s *Settings) {
		fs.BoolFunc("allow-disconnected", "graph-average: estimate even when the lists fall into groups that share no case (the answer then rests on the prior)", func(v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return err
			}
			s.Extra["allow-disconnected"] = strconv.FormatBool(b)
			return nil
		})
	})
}
