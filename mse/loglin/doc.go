// Package loglin is Multiple Systems Estimation with hierarchical Poisson
// log-linear models over the capture patterns, and their selection: the
// methods of the R packages SparseMSE and MultipleSystemsEstimation
// (MSE-R).
//
// # Models
//
// A hierarchical model (mse.Model) is log μ_ω = Σ_{θ ⊆ ω, θ ∈ model} α_θ
// over the cells ω of the 2^K − 1 observable capture patterns; the
// estimate is N̂ = n + exp(α̂_∅). A model whose term θ has an empty observed
// margin holds α_θ = −∞: the cells containing θ are removed before
// fitting, and θ still counts as a parameter in AIC and BIC (MSE-R;
// SparseMSE's emptyoverlaps). Every model is first put through the
// existence (Fienberg–Rinaldo linear program) and identifiability (rank)
// check of package loglinear; a model that fails it, or whose fit is not
// usable, is not estimable with the reason, never a number.
//
// # Methods
//
//   - Main: the independence model.
//   - Fixed: a given model.
//   - Stepwise: SparseMSE's stepwisefit (Chan, Silverman and Vincent 2021):
//     from main effects, add the two-list term whose observed overlap is
//     least compatible with the current fit (smaller Poisson tail) while
//     that probability is below PThresh = 0.02; no backward step.
//   - Search: MSE-R's search over every hierarchical model up to an
//     interaction order (3 for four or five lists, 2 for three or six),
//     ranked by BIC = P log n − 2ℓ̂ (n the number of cases) or AIC = 2P − 2ℓ̂
//     (Silverman, Chan and Vincent 2024).
//   - Auto: the BIC search for up to five lists, stepwise above (MSE-R).
//
// Their fits give the conditional interval (SparseMSE's
// estimatepopulation.0: n + exp(qnorm(q, α̂_∅, s))) and the profile
// interval (Rcapture's closedpCI.t, package mse/profile), both
// conditional on the selected model, and a fast path for the bootstrap:
// each worker re-runs the selection on a replicate's counts with its own
// allocation-free fitter, existence codes cached by (model, support). The
// BIC/AIC bootstrap searches all admissible models in every replicate by
// default (MSE-R keeps the best 20 or 100: NTop reproduces it); a model is
// skipped only when even the saturated likelihood could not make it beat
// the best so far, which does not change the result.
//
// Check is the existence and identifiability check of `morketall check`.
//
// # Agreement
//
// The deterministic numbers (selected models, estimates, AIC and BIC,
// conditional and profile limits, existence codes, every stepwise
// candidate's overlap and p-value, the top-10 ranking, the catalogue of
// models) agree with SparseMSE 2.0.1, Rcapture 1.4-4 and MSE-R 1.2.0 to a
// relative 1e-6 on the eleven published data sets (profile limits 1e-4,
// R's own tolerance); the tests read testdata/reference.
//
// # Deliberate differences
//
// An empty list in a bootstrap replicate is a −∞ main effect (as MSE-R,
// unlike SparseMSE); the −∞ cells are the proper union over all empty
// terms (MSE-R can miss some); a replicate whose selected model has no
// maximum-likelihood estimate and an unbounded dark figure counts as +∞
// (SparseMSE keeps glm's diverged, huge value); the saturated model is not
// estimable (it says nothing about the unobserved cell). Where R's glm
// stops after 25 IRLS iterations, up to 75 more are allowed and counted.
//
// # References
//
// Chan, L., Silverman, B. W. and Vincent, K. (2021). Multiple systems
// estimation for sparse capture data: inferential challenges when there
// are nonoverlapping lists. JASA 116, 1297–1306.
//
// Fienberg, S. E. and Rinaldo, A. (2012). Maximum likelihood estimation in
// log-linear models. Annals of Statistics 40, 996–1023.
//
// Silverman, B. W. (2020). Model fitting in multiple systems analysis for
// the quantification of modern slavery: classical and Bayesian
// approaches. JRSS A 183, 691–736.
//
// Silverman, B. W., Chan, L. and Vincent, K. (2024). Bootstrapping multiple
// systems estimates to account for model selection. Statistics and
// Computing 34, 44.
package loglin
