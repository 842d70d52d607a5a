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
//   - Structure: an assumed population — the lists' capture probabilities,
//     their pairwise dependence (conditional log odds ratios) and the
//     heterogeneity of the people (a logit-normal person effect) — for a
//     study that has no data yet. Population.WithCapture moves a fitted
//     population's list sizes keeping its interactions.
//   - Grid, RunGrid, Part and MergeParts: a simulation over a cross product
//     of populations, sizes, numbers of lists, linkage-error rates and
//     procedures, run whole or as interleaved shards on a batch scheduler
//     and merged back into the same result.
//   - Plan: what a planned study can expect — the width of the 95%
//     interval relative to the estimate, the chance of no estimate, the
//     bias and the coverage — over configurations of lists and population
//     sizes, each figure with its Monte Carlo standard error.
//
// Randomness is explicit: table r is drawn from its own stream derived
// from (seed, r) with the module's samplers (internal/randx), and each
// procedure's bootstrap on it from a seed derived from (seed, r,
// procedure), so a procedure's results depend on the seed alone — not on
// the other procedures run, the number of cores or the order of work.
//
// # Grid files
//
// A grid file is the JSON form of Grid (ReadGrid refuses unknown fields
// and names the line and column of an error):
//
//	{
//	  "name": "heterogeneity-dependence-size",
//	  "scenarios": ["sparse"],
//	  "capture": [0.1],
//	  "lists": [4, 5],
//	  "sizes": [500, 1000, 2000, 4000, 8000],
//	  "dependence": [0, 0.7],
//	  "heterogeneity": [0, 1],
//	  "linkage_errors": [{"missed": 0, "false": 0}, {"missed": 0.05, "false": 0.02}],
//	  "procedures": ["stepwise/conditional", "Mh-Chao/profile"],
//	  "reps": 100
//	}
//
// is testdata/grid.json: 200 cells. "scenarios" are named scenarios,
// crossed with "lists" (default their own) and "sizes" (default their
// own); "capture" entries are a number for every list (crossed with
// "lists") or one probability per list, crossed with "dependence" (a
// number for every pair of lists, or "1:2=1.2,3:4=-inf"), "heterogeneity"
// (σ) and "sizes" (required with capture). Every population is crossed
// with "linkage_errors" (default none) and "procedures" (required; any
// method of the registry). "reps" (200), "nboot" (1000), "scheme"
// (multinomial) and "settings" (method settings by flag name, such as
// {"pthresh": "0.05"}) apply to every cell. The grid's digest (SHA256) is
// that of its normalized form, so layout and defaults written out do not
// change it.
//
// # What it agrees with
//
// Simulate reproduces SparseMSE 2.0.1's BICandbootstrapsim study (Chan,
// Silverman and Vincent 2021, §3.4) within Monte Carlo error (package
// benchmarks). A Structure's probabilities agree to 1e-9 with an
// independent computation (intercepts by bisection, the integral over the
// person effect by the trapezoid rule instead of Gauss–Hermite). A Plan on
// a pilot population at its own size is Simulate on it, figure for
// figure; a grid cell of a named scenario is Simulate of that scenario.
// Plan is not checked against shinyrecap's planning app: its numbers are
// those of the procedures it is given, run as the suite runs them.
//
// # References
//
// Binette, O. and Steorts, R. C. (2022). On the reliability of multiple
// systems estimation for the quantification of modern slavery. JRSS A 185,
// 640–676.
//
// Coull, B. A. and Agresti, A. (1999). The use of mixed logit models to
// reflect heterogeneity in capture-recapture studies. Biometrics 55,
// 294–301.
//
// Chan, L., Silverman, B. W. and Vincent, K. (2021). Multiple systems
// estimation for sparse capture data: inferential challenges when there
// are nonoverlapping lists. JASA 116, 1297–1306.
package study
