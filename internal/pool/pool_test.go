package pool

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestRunVisitsEveryIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 7, 100, 1000} {
		seen := make([]atomic.Int32, n)
		var workers atomic.Int32
		err := Run(context.Background(), n, func() func(int) error {
			workers.Add(1)
			return func(i int) error { seen[i].Add(1); return nil }
		})
		if err != nil {
			t.Fatal(err)
		}
		for i := range seen {
			if seen[i].Load() != 1 {
				t.Fatalf("n=%d: index %d visited %d times", n, i, seen[i].Load())
			}
		}
	}
}

func TestRunReturnsLowestFailure(t *testing.T) {
	errA, errB := errors.New("a"), errors.New("b")
	err := Run(context.Background(), 200, func() func(int) error {
		return func(i int) error {
			switch i {
			case 3:
				return errA
			case 150:
				return errB
			}
			return nil
		}
	}, 1)
	if !errors.Is(err, errA) {
		t.Fatalf("got %v, want the failure at index 3", err)
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Int32
	err := Run(ctx, 1_000_000, func() func(int) error {
		return func(i int) error {
			if ran.Add(1) == 10 {
				cancel()
			}
			return nil
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if ran.Load() > 1000 {
		t.Fatalf("%d bodies ran after cancellation", ran.Load())
	}
}

func TestRunReraisesAWorkersPanic(t *testing.T) {
	defer func() {
		if p := recover(); p != "boom" {
			t.Fatalf("recovered %v, want the worker's panic", p)
		}
	}()
	Run(context.Background(), 100, func() func(int) error {
		return func(i int) error {
			if i == 42 {
				panic("boom")
			}
			return nil
		}
	})
	t.Fatal("no panic")
}
