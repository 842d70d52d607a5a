// Package mse is Multiple Systems Estimation: the overlap Table and its CSV
// format, hierarchical Models and their notation, model selection,
// population estimates and their intervals.
package mse
