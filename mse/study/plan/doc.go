// Package plan is the planning side of the benchmark suite (package
// study): what a study can expect before its data exist, and simulations
// too large for one run.
//
//   - Structure: an assumed population — the lists' capture probabilities,
//     their pairwise dependence (conditional log odds ratios) and the
//     heterogeneity of the people (a logit-normal person effect). WithCapture
//     moves a fitted population's list sizes keeping its interactions.
//   - Grid, RunGrid, Part and MergeParts: a simulation over a cross product
//     of populations, sizes, numbers of lists, linkage-error rates and
//     procedures, run whole or as interleaved shards on a batch scheduler
//     and merged back into the same result, byte for byte.
//   - Plan: what a planned study can expect — the width of the 95%
//     interval relative to the estimate, the chance of no estimate, the
//     bias and the coverage — over configurations of lists and population
//     sizes, each figure with its Monte Carlo standard error.
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
// A Structure's probabilities agree to 1e-9 with an independent
// computation (intercepts by bisection, the integral over the person effect
// by the trapezoid rule instead of Gauss–Hermite). A Plan on a pilot
// population at its own size is study.Simulate on it, figure for figure; a
// grid cell of a named scenario is study.Simulate of that scenario. Plan is
// not checked against shinyrecap's planning app: its numbers are those of
// the procedures it is given, run as the suite runs them.
//
// # References
//
// Coull, B. A. and Agresti, A. (1999). The use of mixed logit models to
// reflect heterogeneity in capture-recapture studies. Biometrics 55,
// 294–301.
package plan
