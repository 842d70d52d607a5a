// Package covariates is Multiple Systems Estimation with covariates:
// hierarchical Poisson log-linear models over the lists and covariates of
// the people (sex, age group, region), covariates missing for some people
// filled in by the EM algorithm, and estimates for each group of people —
// the approach of Maarten Cruyff and Peter van der Heijden behind the
// UNODC estimates for SDG indicator 16.2.2, as their R packages mse,
// MSEincomplete, cenzus and loglinear implement it.
//
// # Tables
//
// A table with covariates (mse.Table.Covariates; a missing value is "")
// is laid out on the complete cells (Data): every observable capture
// pattern at every combination of covariate levels, zero counts included,
// as mse's table() and MSEincomplete's xtabs build it, and the partially
// classified rows. A level is one of the values recorded; levels are in
// R's factor order (numerically when all are numbers, else by text) and
// the first is the reference of the treatment contrasts. NewData refuses,
// with a usage error naming the covariate and never a value: a covariate
// with one level; a level whose rows all have count 0 (no list records
// it); more than MaxLevels levels; more level combinations than one per
// MinPerCombination people with every covariate recorded; more than
// MaxCells complete cells; more than MaxLists lists.
//
// # Models
//
// A Model is hierarchical over lists and covariates (lists first, then
// covariates, in column order); log μ_c = x_c'β with R's model.matrix
// coding, fitted to the observed cells. N̂ sums the fitted cells and the
// all-lists-0 cells of every level combination; a group's N̂ sums its
// cells. Without list × covariate terms the covariates only redistribute
// the unseen; with them, capture probabilities differ by group while the
// list × list dependence stays common. The notation extends mse.Model's:
// "[12,13,1:sex,2:age,sex:age]" (list numbers, covariate names, ':'
// between them); names work too ("[A:B, A:sex, sex:age]"); String and
// ParseModel round-trip. The selection methods always hold the
// covariates' joint term (their distribution saturated), as the
// references' models do.
//
// # Fitting, existence and identifiability
//
// Complete data are fitted by IRLS with R's glm start and stopping rule
// (package loglinear), as mse does. The fit is then driven on until its
// deviance is stable to 1e-15: when the fitted values of some cells with
// count 0 fall to R's floor, the maximum-likelihood estimate does not
// exist (what the Fienberg–Rinaldo linear program detects), and the
// estimate is accepted as the extended MLE only when N̂ did not move
// (1e-6) meanwhile — the unobserved cells lie in the span of the cells
// that stay positive or follow the diverging parameters to 0. Otherwise,
// and for a design of deficient rank or a term holding every list, the
// model is not estimable and says why: this is where R's glm returns N̂
// from 1.5e3 to 4e12 (mse's later AIC steps on its simdat, glm's lists ×
// covariates model there).
//
// With partially classified people the fit is the EM algorithm of Zwane
// and van der Heijden (2007), as MSEincomplete's loglinear(method = 1):
// the E-step spreads each partial row over its compatible cells in
// proportion to the fitted probabilities, the M-step is the Poisson fit
// to the completed counts, and the EM stops when the observed-data
// log-likelihood no longer rises in its 15th digit (DefaultEMTolerance)
// or after DefaultEMMaxIter iterations, when it is not converged (an
// error wrapping mse.ErrNotConverged, never a number). The estimate
// assumes that covariates are missing at random given the lists; results
// say so (mse.CovariateInfo.Assumption and a warning). Standard errors
// come from the observed-data information (numerical Hessian of the
// observed-data log-likelihood by differences of its score); N̂'s is the
// delta-method SE of the unobserved count given the observed.
//
// # Selection
//
// StepSearch is R's step(direction = "both"); ModelSearch is mse's
// model_search (BIC, then AIC from the BIC model, then k = 1), with its
// scope from main effects to every two-factor term (DefaultScope with
// mseScope). The methods (registered in package mse/methods): cov-bic and
// cov-aic (Search) step from main effects with the covariates saturated
// through list × list and list × covariate pairs, moving only to
// estimable models; cov-fixed fits a given model as given; cov-main the
// lists independent of each other and of the covariates. AIC and BIC are
// R's glm ones (BIC with the number of people, as mse's step) for
// complete data and MSEincomplete's with missing covariates.
//
// # Estimates by group and intervals
//
// Every fit reports each level of each covariate and each pair of levels
// (the tables of mse's boot_mse) in Result.Covariates. The default
// interval is the driver's BCa bootstrap over the table's rows (people
// with their covariates, partially classified ones included), re-running
// the selection in every replicate through a row fast path
// (mse.RowReplicating) that keeps the original cells and levels; every
// group gets its interval from the same replicates. The parametric
// interval is mse's boot_mse for complete covariates: floor(N̂ rounded to
// one decimal) people drawn from the fitted multinomial over all cells,
// the selected model refitted, type-7 quantiles; it is conditional on the
// model.
//
// # Agreement
//
// The tests compare with the outputs of R 4.2.2 (testdata/reference/
// covariates: mse 1.0, MSEincomplete 1.0, cenzus 0.1.1, loglinear 1.0 at
// the GitHub commits of its README, and a base-R glm and EM oracle): the
// whole model_search path of mse on the simulated sex × age complete
// cases, on impute and lcaimp, and on simdat with Y a factor (34 models:
// terms, residual df and deviance, dAIC, dAICc and dBIC, every N̂ and
// coefficient; steps 30–34 not estimable); glm's deviance, AIC, BIC,
// coefficients, standard errors, N̂ by level and the Wald SE of the
// unobserved count; MSEincomplete's EM fits (N̂, the estimates by level,
// log-likelihood, deviance, parameters, df, AIC, BIC, coefficients and
// their standard errors) and the base-R EM to 1e-7; cenzus and loglinear
// to 1e-6; all relative 1e-6 unless the tests say otherwise. The
// bootstraps agree with boot_mse and bootmse within Monte Carlo error.
//
// # Deliberate differences
//
// The EM starts from the partial rows spread evenly (MSEincomplete draws
// a random start) and stops later: MSEincomplete's gain of 1e-5 leaves
// the estimates by level up to 3e-6 from the maximum. A model without a
// maximum-likelihood estimate whose N̂ depends on where the fit stops is
// not estimable (R prints the number). The NZage2013 EM with register A's
// ethnicity does not converge in 2000 iterations here either: not
// converged. Not implemented: mse's year covariate as orthogonal
// polynomials (degree_year), latent classes (MSEincomplete's X, Y, Z;
// cenzus's lat), ridge penalties (lambda), MSEincomplete's method = 2
// (which fails in R on non-numeric labels). Our random streams differ
// from R's, so bootstrap intervals agree in distribution only.
//
// # References
//
// Fienberg, S. E. and Rinaldo, A. (2012). Maximum likelihood estimation in
// log-linear models. Annals of Statistics 40, 996–1023.
//
// van der Heijden, P. G. M., Whittaker, J., Cruyff, M., Bakker, B. and van
// der Vliet, R. (2012). People born in the Middle East but residing in
// the Netherlands: invariant population size estimates and the role of
// active and passive covariates. Annals of Applied Statistics 6, 831–852.
//
// Zwane, E. N. and van der Heijden, P. G. M. (2007). Analysing capture–
// recapture data when some variables of heterogeneous catchability are
// only partially observed. Survey Methodology 33, 21–31.
package covariates
