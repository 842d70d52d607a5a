package graphavg

import (
	"slices"
	"testing"
)

// The number of labelled chordal graphs on k vertices (OEIS A058862;
// dga's graphs3, graphs4 and graphs5 hold 8, 61 and 822).
func TestDecomposableCounts(t *testing.T) {
	want := []int{1, 1, 2, 8, 61, 822, 18154}
	for k := 1; k <= 6; k++ {
		if got := len(decomposableGraphs(k)); got != want[k] {
			t.Errorf("k=%d: %d graphs, want %d", k, got, want[k])
		}
	}
}

func TestChordalAndDecompose(t *testing.T) {
	g := graph{k: 4}
	for _, e := range [][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 0}} {
		g.toggle(e[0], e[1])
	}
	if g.chordal() {
		t.Error("the 4-cycle is not chordal")
	}
	g.toggle(0, 2)
	if !g.chordal() {
		t.Error("the 4-cycle with a chord is chordal")
	}
	cl, sp := g.decompose()
	// Cliques {1,2,3} and {1,3,4} (bits 0b0111, 0b1101), separator {1,3}.
	if !slices.Equal(sortedTerms(cl), []uint16{0b0111, 0b1101}) || !slices.Equal(sp, []uint16{0b0101}) {
		t.Errorf("cliques %b separators %b", cl, sp)
	}
	// A star 1–2, 1–3, 1–4 has the separator {1} twice; a lone vertex
	// adds a clique and no separator.
	s := graph{k: 5}
	s.toggle(0, 1)
	s.toggle(0, 2)
	s.toggle(0, 3)
	cl, sp = s.decompose()
	if len(cl) != 4 || !slices.Equal(sp, []uint16{1, 1}) {
		t.Errorf("star: cliques %b separators %b", cl, sp)
	}
	if k := s.key(); graphFromKey(5, k) != s || s.edges() != 3 {
		t.Error("key round trip")
	}
}
