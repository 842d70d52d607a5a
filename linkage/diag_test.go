package linkage

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/morketall/morketall/internal/testflags"
)

// TestDiagnoseMissed (MORKETALL_LONG=1, MORKETALL_DIAG=size,seed) logs
// why each missed pair of the default rule was missed.
func TestDiagnoseMissed(t *testing.T) {
	testflags.RequireLong(t)
	v := os.Getenv("MORKETALL_DIAG")
	if v == "" {
		t.Skip("MORKETALL_DIAG=size,seed")
	}
	ps := strings.Split(v, ",")
	n, _ := strconv.Atoi(ps[0])
	seed, _ := strconv.ParseUint(ps[1], 10, 64)
	e := buildE2E(t, seed, n, realisticNoise)
	var sc *scorer
	var cands []uint64
	scoredHook = func(s *scorer, c []uint64) { sc, cands = s, slices.Clone(c) }
	defer func() { scoredHook = nil }()
	var def []int
	_, err := linkWith(context.Background(), e.sources(e.byRecord), nil, func(r Rule, lk *linker) {
		if r == Default {
			def = make([]int, lk.in.n)
			for i := range def {
				def[i] = int(lk.find(uint32(i)))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var person, tags []int
	for l, who := range e.truth {
		for i, p := range who {
			person = append(person, p)
			tags = append(tags, e.tags[l][i])
		}
	}
	isCand := map[uint64]bool{}
	for _, c := range cands {
		isCand[c] = true
	}
	byPerson := map[int][]int{}
	for i, p := range person {
		byPerson[p] = append(byPerson[p], i)
	}
	cause := map[string]int{}
	buf := make([]uint8, sc.nf)
	var samples []string
	for _, recs := range byPerson {
		for x := range recs {
			for y := x + 1; y < len(recs); y++ {
				i, j := recs[x], recs[y]
				if def[i] == def[j] {
					continue
				}
				var tg []string
				for b := range nTags {
					if (tags[i]|tags[j])&(1<<b) != 0 {
						tg = append(tg, tagNames[b])
					}
				}
				w, comp := sc.weight(uint32(i), uint32(j), buf)
				kind := "not a candidate"
				if isCand[pairKey(uint32(i), uint32(j))] {
					kind = "candidate"
					switch {
					case sc.contradicted(uint32(i), uint32(j)):
						kind += ", contradicted"
					case w < 8:
						kind += ", below 8"
					default:
						kind += ", refused (veto/contest)"
					}
				} else {
					fa, fb := &sc.in.bloom[i], &sc.in.bloom[j]
					switch {
					case isZero(fa) || isZero(fb):
						kind += " (no Bloom)"
					case !sc.shareBlock(uint32(i), uint32(j)):
						kind += " (no shared block)"
					default:
						kind += fmt.Sprintf(" (dice %.2f)", dice(fa, fb))
					}
				}
				cause[kind]++
				if len(samples) < 60 {
					f1, f2 := e.fieldsOf(i), e.fieldsOf(j)
					samples = append(samples, fmt.Sprintf("%s w=%.1f comp=%v pat=%v [%s]\n    %v\n    %v", kind, w, comp, slices.Clone(buf), strings.Join(tg, "; "), f1, f2))
				}
			}
		}
	}
	for f := range sc.nf {
		t.Logf("feature %d: m %.4f\n u %.6f\n w %.1f", f, sc.m[f], sc.u[f], sc.lw[f])
	}
	tok := e.tokensByRecord(t)
	byGroup := map[int][]int{}
	for i, g := range def {
		byGroup[g] = append(byGroup[g], i)
	}
	nf := 0
	falseBy := map[string]int{}
	for _, recs := range byGroup {
		np := map[int]bool{}
		for _, i := range recs {
			np[person[i]] = true
		}
		if len(np) > 1 {
			var desc []string
			for _, i := range recs {
				desc = append(desc, fmt.Sprintf("p%d %v", person[i], e.fieldsOf(i)))
			}
			t.Logf("GROUP of %d records, %d people:\n    %s", len(recs), len(np), strings.Join(desc, "\n    "))
		}
		for x := range recs {
			for y := x + 1; y < len(recs); y++ {
				i, j := recs[x], recs[y]
				if person[i] == person[j] {
					continue
				}
				key := "scored"
				for k := range tok[i] {
					if tok[i][k] != "" && tok[i][k] == tok[j][k] {
						key = fmt.Sprint(k)
						break
					}
				}
				falseBy[key]++
			}
		}
	}
	t.Logf("false pairs by key: %v", falseBy)
	for _, recs := range byGroup {
		for x := range recs {
			for y := x + 1; y < len(recs); y++ {
				i, j := recs[x], recs[y]
				if person[i] == person[j] {
					continue
				}
				shared := ""
				for k := range tok[i] {
					if tok[i][k] != "" && tok[i][k] == tok[j][k] {
						shared = fmt.Sprint(k)
						break
					}
				}
				if shared != "" || !sc.shareBlock(uint32(i), uint32(j)) {
					continue
				}
				w, _ := sc.weight(uint32(i), uint32(j), buf)
				nf++
				if nf <= 40 {
					t.Logf("FALSE w=%.1f pat=%v\n    %v\n    %v", w, slices.Clone(buf), e.fieldsOf(i), e.fieldsOf(j))
				}
			}
		}
	}
	t.Logf("false scored-looking pairs: %d", nf)
	keys := make([]string, 0, len(cause))
	for k := range cause {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%-50s %d", k, cause[k])
	}
	for _, s := range samples {
		t.Log(s)
	}
}

func (e *e2e) fieldsOf(g int) map[string]string {
	for l := range e.fields {
		if g < len(e.fields[l]) {
			f := map[string]string{"list": e.lists[l]}
			for k, v := range e.fields[l][g] {
				if k != "exploitation" && k != "nationality" {
					f[k] = v
				}
			}
			return f
		}
		g -= len(e.fields[l])
	}
	return nil
}
