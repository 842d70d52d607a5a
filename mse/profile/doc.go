// Package profile computes Rcapture's multinomial profile-likelihood
// interval for the population size of a Poisson log-linear
// capture-recapture model (closedpCI.t; Cormack 1992), for any design:
// a hierarchical model with the cells under −∞ terms removed (package
// loglin) or an Rcapture heterogeneity design (package rcapture).
//
// # Agreement
//
// The limits agree with closedpCI.t of Rcapture 1.4-4 to a relative 1e-6
// or better on the published data sets (the tests of loglin and rcapture,
// against testdata/reference): the profile log-likelihood and Cormack's
// Stirling-type correction are R's, and Brent's minimiser and root
// finder reproduce R's optimize() and uniroot() step for step with R's
// tolerance 1e-4.
//
// # Deliberate differences
//
// A fit inside the profile that needs more than glm's 25 IRLS iterations
// is allowed up to 75 more and counted in a warning; R stops at 25 and
// uses that value. An upper limit beyond the search range (FmaxSupCL·N̂)
// is reported as open, never as the bound itself.
//
// # References
//
// Cormack, R. M. (1992). Interval estimation for mark-recapture studies of
// closed populations. Biometrics 48, 567–576.
//
// Baillargeon, S. and Rivest, L.-P. (2007). Rcapture: loglinear models for
// capture-recapture in R. Journal of Statistical Software 19(5).
package profile
