// Package pool is the one worker pool of the module: it runs the bodies of
// a loop on GOMAXPROCS goroutines. Each goroutine gets its own body (with
// its own memory) from a constructor, and bodies write their results by
// index, so results never depend on scheduling or on the number of cores.
package pool

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Run calls body(i) for every i in [0, n) on up to GOMAXPROCS goroutines
// (workers, when positive, bounds them further). Each goroutine calls
// newWorker once for its body. Run stops handing out work when ctx is done
// or a body fails, and returns ctx's error or the failure with the lowest
// index; bodies already running finish.
func Run(ctx context.Context, n int, newWorker func() func(i int) error, workers ...int) error {
	if n <= 0 {
		return ctx.Err()
	}
	w := runtime.GOMAXPROCS(0)
	if len(workers) > 0 && workers[0] > 0 {
		w = min(w, workers[0])
	}
	w = min(w, n)
	// Small chunks for cheap bodies, but never so large that one worker
	// is left with most of a short loop.
	chunk := max(1, min(16, n/(8*w)))
	var next atomic.Int64
	var stop atomic.Bool
	var mu sync.Mutex
	failAt, failErr := n, error(nil)
	var panicked any
	work := func() {
		defer func() {
			// A panic in a worker is re-raised in the caller's goroutine,
			// where the caller can recover it.
			if p := recover(); p != nil {
				mu.Lock()
				if panicked == nil {
					panicked = p
				}
				mu.Unlock()
				stop.Store(true)
			}
		}()
		body := newWorker()
		for !stop.Load() {
			start := int(next.Add(int64(chunk))) - chunk
			if start >= n {
				return
			}
			for i := start; i < min(start+chunk, n); i++ {
				if ctx.Err() != nil {
					stop.Store(true)
					return
				}
				if err := body(i); err != nil {
					mu.Lock()
					if i < failAt {
						failAt, failErr = i, err
					}
					mu.Unlock()
					stop.Store(true)
					return
				}
			}
		}
	}
	if w == 1 {
		work()
	} else {
		var wg sync.WaitGroup
		for range w {
			wg.Add(1)
			go func() {
				defer wg.Done()
				work()
			}()
		}
		wg.Wait()
	}
	if panicked != nil {
		panic(panicked)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return failErr
}

// For calls body(i) for every i in [0, n) as Run does, for bodies that
// cannot fail and need no cancellation.
func For(n int, newWorker func() func(i int)) {
	Run(context.Background(), n, func() func(int) error {
		body := newWorker()
		return func(i int) error { body(i); return nil }
	})
}
