// Package benchmarks holds end-to-end benchmarks and the model-selection
// benchmark suite. It has no API; run
//
//	go test -run '^$' -bench . ./benchmarks
package benchmarks
