package mse

import "errors"

// Placeholders until the Rcapture models and the profile interval land.
func estimateRcapture(t *Table, o Options, r *Result) (*Result, error) {
	return nil, errors.New("mse: rcapture models are not available yet")
}

func profileIntervals(t *Table, f *ModelFit, q []float64) ([]Interval, error) {
	return nil, errors.New("profile intervals are not available yet")
}
