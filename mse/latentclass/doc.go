// Package latentclass is the Bayesian non-parametric latent-class model
// of Manrique-Vallier (2016), "Bayesian population size estimation using
// Dirichlet process mixtures", Biometrics 72, 1246–1254, as implemented
// by the R package LCMCR 0.4.14 (lcmCR with tabular data): method
// "latent-class".
//
// # The model
//
// Every person, seen or not, belongs to one of K latent classes and is on
// list j independently with probability λ_jk given class k. The class
// weights follow a truncated stick-breaking prior, π_k = V_k ∏_{l<k}(1 −
// V_l) with V_k ~ Beta(1, α) and V_K = 1, the concentration α ~
// Gamma(a_α, b_α) (shape, rate), λ_jk ~ Beta(1, 1), and the population
// size has the prior p(N) ∝ 1/N. The Gibbs sampler works on the table's
// cells as LCMCR's does: the observed cases of each cell are allocated to
// the classes by a multinomial draw, λ and the V_k are drawn from their
// beta conditionals, the unobserved count from NegBin(n, 1 − p0) (p0 the
// probability of being on no list) and its classes by a multinomial draw,
// and α from its gamma conditional. The estimate is the posterior median
// of N; the "posterior" interval its quantiles (R's type 7, as LCMCR's
// users compute them); the mode is the peak of a Gaussian kernel density
// estimate of the draws.
//
// Settings (Method): K (10), a_α = b_α = 0.25, and per chain a burn-in of
// 10,000 sweeps then draws thinned by 100 — the values of the ?lcmCR
// example (its function defaults are K = 5 and thinning 10) — with 4,000
// kept draws per chain where the example keeps 1,000 (so that four chains
// reach the effective sample size the convergence rule asks for on the
// Kosovo table; --iter 1000 gives LCMCR's call), and 4 chains.
// Posterior.Draws holds at most 2,000 of the draws and Diagnostics.Traces
// at most 500 per chain, evenly thinned, to keep the JSON small.
//
// # Agreement with LCMCR
//
// On the eight published tables where LCMCR's own chains agree (PSRF
// 1.003–1.010), the posterior of N agrees with LCMCR's long chain (10,000 draws
// thinned by 100) within Monte Carlo error: our distribution function at
// its 2.5%, 10%, 50%, 90% and 97.5% quantiles is within 4 standard errors
// (ours and LCMCR's combined) of the probability (TestAgreesWithLCMCRLongChain,
// a long test). With one class the posterior is known exactly and the
// sampler reproduces it (TestSingleClassMatchesExactPosterior). Our
// random streams are not R's: single draws differ, distributions agree.
//
// # Deliberate differences
//
// Several chains and a verdict. LCMCR runs one chain and says nothing
// when it has not converged (two chains of its documented call on the
// UK 5-list table have medians 21,970 and 12,504). Here 4 chains run in
// parallel, chain i from stream i of the seed (the same draws whatever the
// number of cores), started as LCMCR starts (every class at the lists'
// capture rates, four classes holding 90% of the weight, 500 warm-up
// sweeps with α held at 0.3/K, classes then ordered by weight). Their
// agreement is judged on N and on the log-likelihood of the observed
// cells given that they were observed (both unchanged when the classes
// are relabelled, so label switching cannot fake a disagreement) by the
// rank-normalised split-R̂ and the bulk and tail effective sample sizes
// of Vehtari et al. (2021; package mcmc). Unless R̂ < 1.01 for both and
// the bulk and tail ESS of N reach 100 per chain, the result is
// not_converged with the diagnostics and a hint, and no estimate. The
// result also reports the share of draws (and of chains) in which all K
// classes are occupied — the truncation binding — and warns above 10%.
//
// Collapsed moves. Each sweep adds three Metropolis–Hastings or Gibbs
// steps on the allocation with λ and the V_k integrated out (a partially
// collapsed sampler: λ and V are drawn afresh right after them, so the
// chain keeps the same posterior):
//
//   - 8 observed cases, drawn at random, get a new class from the Pólya-urn
//     predictive given everyone else's class. Given λ and π, a case that
//     forms a class of its own with capture probabilities fitted to it
//     stays there for thousands of sweeps; integrated, it leaves as soon
//     as a larger class explains it as well.
//   - The unobserved count of one class (drawn ∝ n0k + 1) takes a random
//     step of a scale tuned in the burn-in. Given λ and π, n0 moves by
//     about √n0 per sweep while its posterior is many times wider; the
//     collapsed step walks along the ridge where n0, λ and π move
//     together.
//   - Unobserved cases move from one class to another with N fixed, so
//     that a class holding only unobserved cases can empty.
//
// Evidence: on the HIV table, four chains of a quarter of LCMCR's length
// (burn-in 5,000, 500 draws thinned by 40) with the collapsed steps agree
// for seeds 1–4 (R̂ ≤ 1.002, bulk ESS 1,300–2,000 of 2,000 draws, the
// quantiles of LCMCR's long chain and of the exact one-class posterior),
// where LCMCR's plain Gibbs sampler, run here from the same start, leaves
// a chain in a state with a few outlying cases in tiny classes of their
// own and N about 12,000–13,500 (R̂ 1.06–1.11 for the same seeds). With
// seed 1234 one chain stays in a genuine two-class state (242 cases in a
// class seen more often, N about 13,000) and the result says
// not_converged. Method.GibbsOnly turns the collapsed steps off.
//
// What they do not fix: posteriors with separated modes. On the UK 5-list
// and the two Dutch tables the chains settle in modes with different
// class structures (N about 12,500 or 22,000 for the UK table, 50,000 or
// 145,000 for the Dutch one); moving between them would need split–merge
// moves of whole classes, which this package does not have. There the
// result says not_converged unless every chain happens to visit both.
//
// # Speed
//
// A chain of LCMCR's documented length (110,000 sweeps) takes about as
// long as LCMCR's: 0.8–1.3 times its CPU time with the collapsed moves,
// 1.0–2.9 times with GibbsOnly, on the Kosovo, UK 5-list, Dutch and New
// Orleans tables (BenchmarkLCMCRLength; LCMCR is itself a tabular Gibbs
// sampler in C++, a multinomial draw per cell and sweep like this one).
// Four chains run in parallel on as many cores as there are.
package latentclass
