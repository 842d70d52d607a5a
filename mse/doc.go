// Package mse is the core of Multiple Systems Estimation: from an overlap
// table of K lists (how many cases each combination of lists holds) to an
// estimate of the total population, observed cases plus the dark figure,
// with an interval. It holds the data and result types and the driver that
// runs any estimation method; the methods themselves live in packages of
// their own (see Methods).
//
// # Data
//
// A Table holds the lists, optional stratum columns and one row per
// capture pattern with its count, in the CSV format of the README
// (ReadTable, WriteCSV). Lists that are empty, hold every case or
// duplicate another carry no information and are dropped with a warning,
// as MSE-R's tidy_lists does. The order of rows is kept: the jackknife
// runs over rows in that order.
//
// Covariate columns (Table.Covariates; ReadOptions.Covariates, a missing
// value an empty cell) describe the people of a row for methods that
// model them (mse/covariates); every table operation keeps them, and
// Estimate refuses a table with covariates for a method that is not a
// CovariateModeler (a usage error: DropCovariates or KeepCovariates sum
// them out explicitly). Strata and covariates may be combined.
//
// A Model is a hierarchical log-linear model over the lists in MSE-R's
// notation ("[12,13,3]", or with names "[LA:NG, LA:PFNCA, GO]");
// ParseModel and Model.String round-trip. It is the vocabulary several
// method families share (log-linear selection, graphical models).
//
// # Methods
//
// A Method is a value carrying its own settings; Estimate(ctx, table,
// method, opts) drives it the way gonum's optimize.Minimize drives an
// optimize.Method. The families:
//
//   - mse/loglin: hierarchical log-linear models and their selection —
//     main effects, a fixed model, SparseMSE's stepwise search, MSE-R's
//     BIC/AIC search and its auto rule;
//   - mse/rcapture: Rcapture's closed-population models M0, Mt, Mh and Mth;
//   - mse/covariates: log-linear models over lists and covariates, missing
//     covariates by EM, estimates by group (mse, MSEincomplete);
//   - further families (Bayesian latent-class models, graphical-model
//     averaging) on the same interface.
//
// Package mse/methods is the one registry that builds methods from names
// ("stepwise", "Mth-Chao") and flags; the command line, the report and the
// study suite (mse/study) go through it.
//
// # Intervals
//
// The driver computes the bootstrap intervals for every method:
//
//   - bca (the default of most methods): the nonparametric bootstrap of
//     SparseMSE's estimatepopulation and MSE-R's nboot > 0 — multinomial
//     resamples of the observed cases with the total fixed, the whole
//     method (model selection, existence checks, −∞ terms) re-run in every
//     replicate, the delete-one-individual jackknife for the acceleration,
//     and bias-corrected accelerated limits from R's type-8 quantiles
//     (Efron 1987). It accounts for model uncertainty: model-conditional
//     intervals covered the truth 61% of the time against 90% for this one
//     in Chan, Silverman and Vincent's (2021) simulation.
//   - percentile: the percentile interval of the same bootstrap.
//
// A replicate is drawn as a multinomial over the table's rows with the
// module's own exact binomial sampler (internal/randx), so its cost grows
// with the number of rows, not of cases. Replicate b draws from its own
// random stream derived from (seed, b): results depend on the seed only,
// never on the number of cores. A method may offer a fast path
// (Replicating) that re-runs itself on a replicate's cell counts without
// building tables; otherwise the driver fits the method to each
// replicate's table. A replicate whose estimate is unbounded counts as
// +∞, so an upper limit can be open; an open limit is reported as open,
// never replaced by another number.
//
// The model-based intervals come from the method's fit (IntervalFit):
// conditional (a log-normal interval, SparseMSE's estimatepopulation.0 or
// Chao's), profile (Rcapture's closedpCI.t profile likelihood; package
// mse/profile), posterior (a Bayesian method's credible interval) and
// parametric (a parametric bootstrap of the selected model, mse's
// boot_mse; the method draws Options.NBoot replicates from Options.Seed
// and gives the groups' intervals too, GroupIntervalFit).
// Conditional and profile intervals ignore the uncertainty of the model
// choice and are marked so.
//
// # Strata
//
// A stratified table is estimated stratum by stratum with the same
// method, each stratum's bootstrap seeded from (seed, stratum); the total
// is the sum, and its bootstrap interval sums the strata's replicates
// replicate by replicate, with the jackknife over all strata.
//
// # Results
//
// A Result is the estimate JSON of the README. Its Status is StatusOK
// with a finite estimate, or StatusNotEstimable / StatusNotConverged with a
// reason — never Inf, NaN or a diverged fit. Result.Validate checks a
// result read back from a file before anything shows it.
//
// # Adding a method
//
// Implement Method (a name and Fit) and Fit (Estimate and Report), and
// whichever optional interfaces apply (IntervalFit for model-based
// intervals, Replicating for a fast bootstrap, Seeder for a method that
// draws random numbers, DefaultIntervaler, Settings, Selector); then add
// its entries and flags to mse/methods. Nothing else changes: the driver,
// the bootstrap, strata, the CLI, the report and the study suite take it
// as it is (the test TestToyMethodThroughEstimateBootstrapAndStudy does
// exactly that with a method written in a test file).
//
// # Agreement with the reference packages
//
// Each family's doc says what it agrees with. The driver's bootstrap
// agrees with SparseMSE 2.0.1 and MSE-R 1.2.0 in distribution (KS tests
// against R's 1000 replicates) and in its BCa limits within Monte Carlo
// error (20 seeds), and its jackknife acceleration exactly (testdata/
// reference; tests in mse/loglin). Our random streams differ from R's, so
// seeded numbers agree only in distribution.
//
// # References
//
// Chan, L., Silverman, B. W. and Vincent, K. (2021). Multiple systems
// estimation for sparse capture data: inferential challenges when there
// are nonoverlapping lists. JASA 116, 1297–1306.
//
// Efron, B. (1987). Better bootstrap confidence intervals. JASA 82,
// 171–185.
//
// Silverman, B. W., Chan, L. and Vincent, K. (2024). Bootstrapping multiple
// systems estimates to account for model selection. Statistics and
// Computing 34, 44.
package mse
