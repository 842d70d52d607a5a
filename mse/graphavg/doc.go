// Package graphavg estimates the population size by Bayesian model
// averaging over the decomposable graphical models of the lists (Madigan
// and York 1997), the method of the R package dga (bma.cr), as an
// mse.Method named "graph-average".
//
// # Model
//
// Each decomposable graph G over the K lists is a log-linear model whose
// cliques are its generators. With a hyper-Dirichlet prior of δ per cell
// of the full 2^K table (δ·2^(K−|s|) per cell of the margin on lists s),
// the marginal likelihood of the complete table — the observed cells and
// Nmissing people on no list — factorises over the cliques C and
// separators S of G. On the grid Nmissing = 0 … M the joint posterior is
//
//	p(G, Nmissing | y) ∝ p(G) p(N) · N!/(Nmissing! Π y!) · Π_C ML_C / Π_S ML_S
//
// exactly as bma.cr computes it (CompLogML, MakeCompMatrix and
// computeLogPostProbs of dga 2.0.2), with N = n + Nmissing. The posterior
// of N sums over graphs; a graph's weight sums over the grid.
//
// The estimate (Result.Estimate) is the posterior median of N — dga
// itself reports the posterior and its quantiles, not a point estimate.
// The default interval is "posterior": the limit at quantile q is the
// smallest N on the grid with P(≤ N) ≥ q. The Result holds the Posterior
// (quantiles, mean, median, mode, sd and the distribution on the grid
// between its 1e−6 and 1 − 1e−6 quantiles at up to 4,000 values of N) and
// the heaviest graphs in TopModels: the cliques in the hierarchical
// notation of mse.Model, the posterior Weight, and as Estimate and
// Conditional95 the median and 95% interval of N given that graph (BIC and
// AIC are not defined and are 0). Model is the heaviest graph.
//
// Defaults are those of the reference runs: δ = 2^−K (dga's suggestion),
// M = 30·n, p(N) ∝ 1/N and a uniform prior over decomposable graphs.
// Method.Prior (uniform), Method.LogPrior and Method.GraphLogPrior replace
// the priors, Method.MaxMissing the grid.
//
// # Agreement
//
// On every 3- to 5-list data set of the reference folder (artificial_3,
// hiv, kosovo, lesbian, ned_5, neworl_5, ukdat_5, western), with dga's
// call bma.cr(Y, Nmissing = 0:(30n), delta = 2^−K, graphsK) on R 4.2.2,
// the weights of all 8, 61 or 822 graphs agree with dga 2.0.2 to a
// relative 1e−9 or better (the smallest is 1e−78), the posterior's 13
// quantiles from 0.1% to 99.9%, its mode and the top graphs' conditional
// quantiles are equal, the mean, sd and the top graphs' conditional means
// agree to 1e−6, and so do their modes but for one plateau flatter than
// rounding (a graph of ned_5: 208,172 against dga's 208,174, whose
// probabilities differ by 5e−10); the same holds on the shorter grids of
// dga's truncation_sensitivity. The tests compare every one of these
// numbers.
//
// The sums are exact up to terms the code proves negligible: the terms of
// a graph are bounded block by block (64 grid points; every margin's
// factor decreases in Nmissing) and a block is skipped when all its terms
// lie below e^−40 of that graph's largest, which changes no graph's mass
// by more than 1e−11 of itself. The method then also leaves out graphs
// and blocks below e^−50 of the largest term of all (their weight is
// reported as 0): the posterior moves by less than 1e−12.
//
// # Deliberate differences
//
// The overlap structure is checked first. When the lists fall into groups
// that share no case (a list that overlaps no other, or disconnected
// groups) the data say nothing about how the groups depend on each other
// and the posterior of N rests on the prior and the grid; bma.cr returns
// it without a word. graph-average says not estimable and why, unless
// Method.AllowDisconnected (--allow-disconnected) asks for the posterior
// anyway, with a warning. Two reference sets are such tables: in
// artificial_3 list C overlaps neither A nor B, and in neworl lists B and
// F share no case with the other six.
//
// dga ships its graphs for 3, 4 and 5 lists. graph-average enumerates the
// decomposable graphs itself (a maximum cardinality search tests
// chordality; the counts 8, 61, 822 and 18,154 are checked) and averages
// over all of them up to 6 lists (Method.ExactMaxLists, at most 7).
// Above, a Markov chain over decomposable graphs (Madigan and York's MC³:
// toggle one edge chosen uniformly at random, refuse a non-decomposable
// result, accept by the ratio of the two graphs' exact posterior masses)
// visits them: by default 4 chains of 2,000 + 20,000 iterations from
// dispersed random starts, each seeded from the one seed (internal/seed),
// so the result depends on the seed alone. The posterior of N is the
// average of the exact conditional posteriors of the graphs visited,
// weighted by their share of the draws. The chains are judged by the
// rank-normalised split-R̂ and bulk and tail ESS (package mcmc) of two
// traces, the conditional posterior mean of N and the log posterior mass
// of the current graph; the worse of the two is reported in Diagnostics
// and must be R̂ < 1.01 and ESS ≥ 100 per chain, or the result is
// not_converged (mse.ErrNotConverged) with the diagnostics and a hint.
// TopModels then gives each graph's share of the draws as its Weight and
// its exact weight among the graphs visited in the note.
//
// The prior on N is bma.cr's code, −log(n + Nmissing); its documentation
// says −log(Nmissing). A warning says when the posterior depends on the
// grid's end (cutting the grid at half its length moves the median or the
// 97.5% quantile by more than 1%): under p(N) ∝ 1/N some tables leave N
// unbounded above, and dga's answer is then the grid's.
//
// Memory is a few arrays of the grid's length and one bit per graph and
// block; dga materialises a graphs × grid matrix (1.6 GB for ned_5).
// Speed (CPU time of the whole estimate command, measured on the 2-core
// machine of the reference runs while it was shared): 0.16 s for ukdat_5
// and 0.27 s for ned_5, 28 and 54 MB resident (dga: 5.9 s, and 45 s with
// 1.6 GB); 2.3 s for the 6-list ukdat and 4.7 s for ned (18,154 graphs on
// grids of 82,000 and 247,000 points); the default chains on the 8-list
// New Orleans table about 6 s (27,000 distinct graphs met).
//
// # References
//
// Madigan, D. and York, J. C. (1997). Bayesian methods for estimation of
// the size of a closed population. Biometrika 84(1), 19–31.
//
// Johndrow, J., Lum, K. and Ball, P. (2015). dga: Capture-recapture
// estimation using Bayesian model averaging. R package (version 2.0.2
// used here).
//
// Tarjan, R. E. and Yannakakis, M. (1984). Simple linear-time algorithms
// to test chordality of graphs. SIAM Journal on Computing 13(3), 566–579.
package graphavg
