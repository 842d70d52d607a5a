# Reference values for mse/mcmc: split-R-hat, bulk and tail ESS of the
# R package posterior (Vehtari, Gelman, Simpson, Carpenter and Buerkner
# 2021) on fixed test chains. Run: Rscript posterior_diagnostics.R
# (writes posterior_diagnostics.json beside it).
library(posterior)
library(jsonlite)
set.seed(20261202)
ar1 <- function(n, rho, mu = 0) {
  x <- numeric(n); x[1] <- rnorm(1) / sqrt(1 - rho^2)
  for (i in 2:n) x[i] <- rho * x[i - 1] + rnorm(1)
  x + mu
}
cases <- list(
  iid_normal = sapply(1:4, function(i) rnorm(400)),
  ar1_0.9 = sapply(1:4, function(i) ar1(500, 0.9)),
  shifted_means = sapply(c(0, 0, 0, 1), function(m) ar1(400, 0.5, m)),
  cauchy_odd = sapply(1:3, function(i) rcauchy(301)),
  poisson_ties = sapply(1:4, function(i) rpois(250, 3)),
  one_chain_ar1 = matrix(ar1(1000, 0.7), ncol = 1),
  antithetic = sapply(1:2, function(i) ar1(600, -0.6)),
  trend = sapply(1:4, function(i) seq(0, 1, length.out = 200) * i + rnorm(200, sd = 0.3))
)
# Rounded to 12 significant digits, so that the JSON holds the chains
# exactly and Go reads the very doubles R computed on.
cases <- lapply(cases, function(x) signif(x, 12))
out <- list(
  package = paste("posterior", packageVersion("posterior")),
  R = R.version.string,
  note = "chains are columns; rhat = rhat(), ess_bulk = ess_bulk(), ess_tail = ess_tail(), ess_basic = ess_basic()",
  cases = lapply(cases, function(x) list(
    chains = lapply(seq_len(ncol(x)), function(j) x[, j]),
    rhat = rhat(x), rhat_basic = rhat_basic(x), ess_bulk = ess_bulk(x),
    ess_tail = ess_tail(x), ess_basic = ess_basic(x)
  ))
)
write_json(out, "posterior_diagnostics.json", digits = NA, auto_unbox = TRUE, pretty = FALSE)
