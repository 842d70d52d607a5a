// Package study is the benchmark suite of morketall: it asks of an
// estimation procedure (a method and an interval) what no single data set
// can. It is a client of the library — it runs methods only through
// mse.Estimate and builds them only through the registry (mse/methods) —
// so any method, present or future, can be benchmarked.
//
//   - Simulate: a Population of known size (a named scenario — independence,
//     pairwise dependence, heterogeneity, sparse lists, 3 to 8 lists — or
//     the parametric population of a model fitted to a table) is sampled
//     many times and every procedure is run on every table; the summary
//     gives bias, relative bias, RMSE (also of log N), median absolute log
//     error, the coverage of the 95% and 80% intervals with binomial
//     standard errors, interval widths, the share not estimable and the
//     models chosen. Chan, Silverman and Vincent (2021, §3.4) is
//     reproduced in the benchmarks package.
//   - InternalConsistency: Binette and Steorts' (2022) check — each list in
//     turn is a population of known size, estimated from the other lists.
//   - ListSensitivity: the estimate without each list and with each pair of
//     lists merged.
//   - LinkageError and LinkageSensitivity: the table perturbed as if the
//     linkage had missed or made false links at given rates, re-estimated
//     each time.
//   - Package plan (mse/study/plan) builds on these: assumed population
//     structures for studies that have no data yet, grids of simulations
//     run whole or sharded over a batch scheduler, and study planning.
//
// Randomness is explicit: table r is drawn from its own stream derived
// from (seed, r) with the module's samplers (internal/randx), and each
// procedure's bootstrap on it from a seed derived from (seed, r,
// procedure), so a procedure's results depend on the seed alone — not on
// the other procedures run, the number of cores or the order of work.
//
// # What it agrees with
//
// Simulate reproduces SparseMSE 2.0.1's BICandbootstrapsim study (Chan,
// Silverman and Vincent 2021, §3.4) within Monte Carlo error (package
// benchmarks).
//
// # References
//
// Binette, O. and Steorts, R. C. (2022). On the reliability of multiple
// systems estimation for the quantification of modern slavery. JRSS A 185,
// 640–676.
//
// Chan, L., Silverman, B. W. and Vincent, K. (2021). Multiple systems
// estimation for sparse capture data: inferential challenges when there
// are nonoverlapping lists. JASA 116, 1297–1306.
package study
