// Package rcapture fits the closed-population log-linear models of the R
// package Rcapture (closedp.t, closedpCI.t; Baillargeon and Rivest 2007):
// M0, Mt, and the heterogeneity models Mh and Mth with Chao's lower bound,
// Poisson2, Darroch or Gamma3.5 columns (Rivest and Baillargeon 2007), and
// "Mt plus given two-list interactions" (Custom). Method makes any of them
// an mse.Method: its conditional interval is Chao's (1987) log-normal
// interval from the standard error, its profile interval closedpCI.t's
// (package mse/profile), and the bootstrap refits the model in every
// replicate.
//
// # Agreement
//
// Estimates, standard errors, deviances, degrees of freedom, AIC, BIC and
// the asymptotic bias agree with closedp.t of Rcapture 1.4-4 to about 1e-9
// where R's fit is sound, and profile limits with closedpCI.t to 1e-4 (R's
// tolerance), on the eleven published data sets (testdata/reference).
//
// # Deliberate differences
//
// Where the maximum-likelihood estimate does not exist (the existence
// linear program has optimum 0), R's glm stops at a boundary point and
// prints an arbitrary N̂; such a model is not estimable here. Interactions
// with an empty overlap are held at −∞ exactly (R pushes them towards −∞
// until its convergence test stops), so N̂ and the deviance are the limits
// R's numbers approximate and standard errors differ from R's by up to
// 2e-5. A Chao column whose cells are all empty counts as negative and is
// dropped (its MLE is −∞). The behavioural models Mb and Mbh are not
// offered: agency lists are not ordered in time.
//
// # References
//
// Baillargeon, S. and Rivest, L.-P. (2007). Rcapture: loglinear models for
// capture-recapture in R. Journal of Statistical Software 19(5).
//
// Chao, A. (1987). Estimating the population size for capture-recapture
// data with unequal catchability. Biometrics 43, 783–791.
//
// Rivest, L.-P. and Baillargeon, S. (2007). Applications and extensions of
// Chao's moment estimator for the size of a closed population. Biometrics
// 63, 999–1006.
package rcapture
