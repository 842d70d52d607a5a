// Package mcmc holds the convergence diagnostics that every Markov chain
// method of the module reports: the rank-normalised split-R̂ and the bulk
// and tail effective sample sizes of Vehtari, Gelman, Simpson, Carpenter
// and Bürkner (2021). It is not a method family: it computes diagnostics
// of draws and knows nothing of capture–recapture.
//
// # Agreement
//
// Diagnose follows the R package posterior (rhat, ess_bulk, ess_tail;
// the algorithm of its 1.x releases, as ArviZ's rhat and ess methods
// "rank", "bulk" and "tail"):
//
//   - the chains are split in halves (an odd middle draw is dropped);
//   - R̂ is the larger of the split-R̂ of the rank-normalised draws and
//     of the rank-normalised folded draws |x − median|;
//   - ESSBulk is the effective sample size of the rank-normalised split
//     draws, ESSTail the smaller of those of the indicators x ≤ q05 and
//     x ≤ q95 (quantiles of R's type 7);
//   - the effective sample size uses Geyer's initial monotone sequence on
//     the biased autocovariances of each chain, combined over chains, and
//     is capped at S·log10(S) for S draws.
//
// Ranks of tied draws are their average rank, and the normal scores are
// Φ⁻¹((r − 3/8)/(S + 1/4)), as in posterior.
//
// On the eight sets of test chains of testdata/reference
// (posterior_diagnostics.R, run with posterior 1.4.0) R̂, ESSBulk and
// ESSTail agree with rhat(), ess_bulk() and ess_tail() to a relative 1e-9,
// and to 1e-5 for chains of odd length (Diagnose takes the median of the
// split draws, posterior of all).
//
// # Deliberate differences
//
// The autocovariances are the exact biased estimates (1/n)Σ x_t x_{t+k};
// posterior divides its zero-padded FFT sum by 2n² which equals them only
// when n is a product of 2, 3 and 5. Where posterior returns NA, Diagnose
// returns a number that says what the draws show: when every draw of
// every chain is the same value, R̂ is 1 and both effective sample sizes
// are the number of draws (there is nothing left to learn); when the
// chains are each constant at different values, R̂ is +Inf; a tail
// indicator that is constant counts as the number of draws for that tail.
// Chains of unequal length are cut to the shortest, and fewer than four
// draws per chain give R̂ = +Inf and no effective draws. Callers that put
// R̂ in JSON must cap +Inf.
//
// # Thresholds
//
// Vehtari et al. recommend R̂ < 1.01 and a bulk and tail ESS of at least
// 100 per chain (400 for four chains) before trusting quantiles;
// Diagnostic.Converged applies given thresholds.
//
// # References
//
// Vehtari, A., Gelman, A., Simpson, D., Carpenter, B. and Bürkner, P.-C.
// (2021). Rank-normalization, folding, and localization: an improved R̂
// for assessing convergence of MCMC. Bayesian Analysis 16(2), 667–718.
//
// Geyer, C. J. (1992). Practical Markov chain Monte Carlo. Statistical
// Science 7(4), 473–483.
package mcmc
