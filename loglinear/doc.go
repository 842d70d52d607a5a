// Package loglinear fits Poisson log-linear models over K binary factors:
// design matrices for hierarchical models, IRLS fitting that reproduces R's
// glm, and the existence (Fienberg–Rinaldo linear program) and
// identifiability (rank) checks. It knows nothing of lists or populations.
package loglinear
