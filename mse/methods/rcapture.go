package methods

import (
	"errors"
	"flag"
	"strings"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/rcapture"
)

// Rcapture's closed-population models (package rcapture).
func init() {
	register(entry{"rcapture", "one of Rcapture's closed-population models (--rcapture)", []string{"rcapture"},
		func(s Settings) (mse.Method, error) {
			if s.Rcapture == "" {
				return nil, errors.New("methods: method rcapture needs a model (--rcapture M0|Mt|Mh-Chao|…)")
			}
			m, err := rcapture.ParseModel(s.Rcapture)
			if err != nil {
				return nil, err
			}
			return rcapture.Method{Model: m}, nil
		}})
	// Each model is also a method name of its own ("Mth-Chao/profile").
	aliases = append(aliases, func(name string) (entry, bool) {
		m, err := rcapture.ParseModel(name)
		if err != nil {
			return entry{}, false
		}
		return entry{name: name, build: func(Settings) (mse.Method, error) { return rcapture.Method{Model: m}, nil }}, true
	})
	// Mt is the baseline the heterogeneity models are judged against;
	// Mh-Darroch's lower limit is a cheap sign of heterogeneity.
	compared = append(compared, "Mt/profile", "Mh-Darroch/profile", "Mth-Chao/profile", "Mth-Darroch/profile", "Mth-Gamma3.5/profile")
	defineFlag("rcapture", func(fs *flag.FlagSet, s *Settings) {
		fs.StringVar(&s.Rcapture, "rcapture", "", "an Rcapture model: "+strings.Join(RcaptureModels(), "|"))
	})
}

// RcaptureModels lists the Rcapture model names, for help texts.
func RcaptureModels() []string {
	var out []string
	for _, m := range rcapture.Models() {
		out = append(out, string(m))
	}
	return out
}
