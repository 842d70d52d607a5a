package methods

import (
	"errors"
	"flag"
	"strconv"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/loglin"
)

// The hierarchical log-linear methods (package loglin).
func init() {
	register(entry{"main", "the independence model", nil,
		func(Settings) (mse.Method, error) { return loglin.Main{}, nil }})
	register(entry{"fixed", "one hierarchical model given with --model", []string{"model"},
		func(s Settings) (mse.Method, error) { return loglin.Fixed{Model: s.Model}, nil }})
	register(entry{"stepwise", "SparseMSE's stepwise selection (--pthresh)", []string{"pthresh"},
		func(s Settings) (mse.Method, error) { return loglin.Stepwise{PThresh: s.PThresh}, nil }})
	register(entry{"bic", "MSE-R's search over all hierarchical models by BIC (--maxorder)", []string{"maxorder", "ntop"},
		func(s Settings) (mse.Method, error) {
			return loglin.Search{Criterion: loglin.BIC, MaxOrder: s.MaxOrder, NTop: s.NTop}, nil
		}})
	register(entry{"aic", "the same search by AIC", []string{"maxorder", "ntop"},
		func(s Settings) (mse.Method, error) {
			return loglin.Search{Criterion: loglin.AIC, MaxOrder: s.MaxOrder, NTop: s.NTop}, nil
		}})
	register(entry{"auto", "MSE-R's rule: bic for up to 5 lists, stepwise above", []string{"pthresh", "maxorder", "ntop"},
		func(s Settings) (mse.Method, error) {
			return loglin.Auto{PThresh: s.PThresh, MaxOrder: s.MaxOrder, NTop: s.NTop}, nil
		}})

	compared = append(compared, "auto/bca")

	defineFlag("model", func(fs *flag.FlagSet, s *Settings) {
		fs.StringVar(&s.Model, "model", "", "the model for --method fixed, e.g. [12,13,3] or [LA:NG, GO]")
	})
	defineFlag("pthresh", func(fs *flag.FlagSet, s *Settings) {
		fs.Float64Var(&s.PThresh, "pthresh", loglin.DefaultPThresh, "stepwise p-value threshold, in (0, 1]")
	})
	defineFlag("maxorder", func(fs *flag.FlagSet, s *Settings) {
		fs.IntVar(&s.MaxOrder, "maxorder", 0, "highest interaction order of the bic/aic search, from 1 to the number of lists − 1 (default: MSE-R's for the number of lists)")
	})
	defineFlag("ntop", func(fs *flag.FlagSet, s *Settings) {
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
}
