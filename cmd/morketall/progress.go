package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress prints a one-line progress report on stderr for work that
// lasts more than a second, and only when stderr is a terminal. A nil
// *progress is a no-op, so callers need not check.
type progress struct {
	e     *env
	what  string
	start time.Time
	mu    sync.Mutex
	last  time.Time
	shown bool
}

func newProgress(e *env, what string) *progress {
	f, ok := e.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &progress{e: e, what: what, start: time.Now()}
}

// update may be called from many goroutines.
func (p *progress) update(done, total int) {
	if p == nil {
		return
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Sub(p.start) < time.Second || now.Sub(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.last = now
	p.shown = true
	frac := float64(done) / float64(total)
	eta := ""
	if frac > 0.02 && done < total {
		rem := time.Duration(float64(now.Sub(p.start)) * (1 - frac) / frac).Round(time.Second)
		eta = fmt.Sprintf(", about %v left", rem)
	}
	const width = 30
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = ' '
		if float64(i) < frac*width {
			bar[i] = '='
		}
	}
	fmt.Fprintf(p.e.stderr, "\rmorketall: %s [%s] %3.0f%% (%d/%d)%s   ", p.what, bar, 100*frac, done, total, eta)
}

// done clears the progress line.
func (p *progress) done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprintf(p.e.stderr, "\r%*s\r", 100, "")
	}
}
