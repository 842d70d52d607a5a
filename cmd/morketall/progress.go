package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress reports the progress of long work on stderr. On a terminal it
// redraws one line (from the first second on); otherwise — a log file, a
// batch job — it prints a plain line every progressEvery once the work has
// lasted that long, so a job of hours shows it is alive without flooding
// the log. A nil *progress is a no-op, so callers need not check.
type progress struct {
	e        *env
	what     string
	terminal bool
	start    time.Time
	mu       sync.Mutex
	last     time.Time
	shown    bool
}

// progressEvery is the interval of the plain progress lines.
const progressEvery = 10 * time.Second

func newProgress(e *env, what string) *progress {
	p := &progress{e: e, what: what, start: time.Now()}
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.terminal = true
	}
	return p
}

// update may be called from many goroutines.
func (p *progress) update(done, total int) {
	if p == nil || total <= 0 {
		return
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	elapsed := now.Sub(p.start)
	frac := float64(done) / float64(total)
	eta := ""
	if frac > 0.02 && done < total {
		rem := time.Duration(float64(elapsed) * (1 - frac) / frac).Round(time.Second)
		eta = fmt.Sprintf(", about %v left", rem)
	}
	if !p.terminal {
		if elapsed < progressEvery || now.Sub(p.last) < progressEvery || done >= total {
			return
		}
		p.last = now
		fmt.Fprintf(p.e.stderr, "morketall: %s: %.0f%% (%d/%d)%s\n", p.what, 100*frac, done, total, eta)
		return
	}
	if elapsed < time.Second || now.Sub(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.last = now
	p.shown = true
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

// setWhat changes what the progress line says is being done (a grid's
// current cell, say).
func (p *progress) setWhat(what string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.what = what
}
