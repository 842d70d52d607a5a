package methods

import (
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/covariates"
)

// Log-linear models with covariates and missing covariates by EM
// (package covariates).
func init() {
	register(entry{"cov-bic", "covariates: stepwise selection of list × list and list × covariate terms by BIC (mse)", nil,
		func(Settings) (mse.Method, error) { return covariates.Search{Criterion: covariates.BIC}, nil }})
	register(entry{"cov-aic", "covariates: the same selection by AIC", nil,
		func(Settings) (mse.Method, error) { return covariates.Search{Criterion: covariates.AIC}, nil }})
	register(entry{"cov-fixed", "covariates: one model given with --model, e.g. [12,1:sex,2:age,sex:age]", []string{"model"},
		func(s Settings) (mse.Method, error) { return covariates.Fixed{Model: s.Model}, nil }})
	register(entry{"cov-main", "covariates: lists independent of each other and of the covariates", nil,
		func(Settings) (mse.Method, error) { return covariates.Main{}, nil }})
	for _, n := range []string{"cov-bic", "cov-aic", "cov-fixed", "cov-main"} {
		covariateMethods[n] = true
	}
	covariateDefault, covariateFixed = "cov-bic", "cov-fixed"
}
