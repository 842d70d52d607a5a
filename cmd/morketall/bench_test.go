package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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
	// Columns of the default schema, names with diacritics and of other
	// scripts, a quarter with an identity number (invalid: counted).
	sb.WriteString("given_name,family_name,birth_date,sex,nationality,national_id,exploitation,notes\n")
	given := []string{"Anna", "Kari", "Ola", "Bjørn", "Åse", "Mariam", "Blessing", "Ngọc Anh", "Thị Lan", "Olga", "Дмитрий", "Ioana", "Fatima", "José", "Zoë", "Siri", "Ștefan", "Precious"}
	family := []string{"Hansen", "Johansen", "Bøe", "Åsen-Dahl", "Nguyễn", "Trần", "Okafor", "Popescu", "Иванова", "al-Hassan", "van der Berg", "O'Brien", "Kowalski", "Nordmann", "Osei", "Pham", "Sørensen"}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "%s %s,%s,%02d.%02d.%04d,%s,%s,%s,%s,case %d\n", pick(r, given), pick(r, given), pick(r, family),
			1+r.IntN(28), 1+r.IntN(12), 1960+r.IntN(45), pick(r, []string{"K", "M", "kvinne", ""}), pick(r, []string{"NGA", "ROU", "VNM", "NOR", ""}),
			pick(r, []string{"", "", "", "01019012345"}), pick(r, []string{"arbeid", "seksuell", "begge"}), i)
	}
	os.WriteFile(in, []byte(sb.String()), 0o600)
	out := filepath.Join(dir, "x.mkt")
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for b.Loop() {
		if _, stderr, code := benchRun("pseudonymise", "--force", "--key", key, "--list", "B", in, "-o", out); code != exitOK {
			b.Fatal(stderr)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	// Per core: records per second of CPU time (user + system) of the
	// process, which a busy shared machine does not inflate as it does
	// wall time.
	b.ReportMetric(float64(n)*float64(b.N)/(cpuSeconds()-cpu0), "records/cpu-s")
}

// cpuSeconds returns the user and system CPU time of the process.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func benchRun(args ...string) (string, string, int) {
	var so, se strings.Builder
	code := run(args, strings.NewReader(""), &so, &se)
	return so.String(), se.String(), code
}

var _ = io.Discard

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }
