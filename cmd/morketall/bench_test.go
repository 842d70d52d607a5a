package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkPseudonymiseCommand measures the whole command, CSV in to .mkt
// out (reading, per-record work on every core, shuffle, writing with the
// MAC and checksum, manifest), in records per second.
func BenchmarkPseudonymiseCommand(b *testing.B) {
	const n = 200_000
	dir := b.TempDir()
	key := filepath.Join(dir, "k.key")
	if _, _, code := benchRun("keygen", "-o", key); code != exitOK {
		b.Fatal("keygen")
	}
	in := filepath.Join(dir, "x.csv")
	var sb strings.Builder
	sb.WriteString("given_name,family_name,birth_date,sex,exploitation,notes\n")
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "Anna %d,Hansen %d,%02d.%02d.%04d,K,arbeid,case %d\n", r.IntN(1000), r.IntN(1000), 1+r.IntN(28), 1+r.IntN(12), 1960+r.IntN(45), i)
	}
	os.WriteFile(in, []byte(sb.String()), 0o600)
	out := filepath.Join(dir, "x.mkt")
	b.ResetTimer()
	for b.Loop() {
		if _, stderr, code := benchRun("pseudonymise", "--force", "--key", key, "--list", "B", in, "-o", out); code != exitOK {
			b.Fatal(stderr)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func benchRun(args ...string) (string, string, int) {
	var so, se strings.Builder
	code := run(args, strings.NewReader(""), &so, &se)
	return so.String(), se.String(), code
}

var _ = io.Discard
