package mse

import (
	"strings"
	"testing"
)

func TestHierarchicalModelCounts(t *testing.T) {
	// MSE-R 1.2.0 catalogue sizes (METHODS.md §2): K=2: 1; K=3: 1 and 8;
	// K=4: 1, 64, 113; K=5: 1, 1024, 6212, 6893; K=6 pairwise: 2^15.
	cases := []struct{ k, order, want int }{
		{2, 1, 1}, {3, 1, 1}, {3, 2, 8}, {4, 1, 1}, {4, 2, 64}, {4, 3, 113},
		{5, 1, 1}, {5, 2, 1024}, {5, 3, 6212}, {5, 4, 6893}, {6, 2, 32768},
	}
	for _, c := range cases {
		if got := len(HierarchicalModels(c.k, c.order)); got != c.want {
			t.Errorf("K=%d maxorder=%d: %d models, want %d", c.k, c.order, got, c.want)
		}
	}
}

func TestModelNotationRoundTrip(t *testing.T) {
	lists := []string{"LA", "NG", "PFNCA", "GO", "GP"}
	cases := []struct{ in, canon, named string }{
		{"main", "[1,2,3,4,5]", "[LA, NG, PFNCA, GO, GP]"},
		{"[123,25,34]", "[123,25,34]", "[LA:NG:PFNCA, NG:GP, PFNCA:GO]"},
		// Generator order is canonicalised (MSE-R convert_to_hierarchy).
		{"[45,13,12,24,25,35]", "[12,13,24,25,35,45]", "[LA:NG, LA:PFNCA, NG:GO, NG:GP, PFNCA:GP, GO:GP]"},
		{"[LA:NG, NG:GP]", "[12,25,3,4]", "[LA:NG, NG:GP, PFNCA, GO]"},
		{"LA:NG + NG:GP + PFNCA:GP", "[12,25,35,4]", "[LA:NG, NG:GP, PFNCA:GP, GO]"},
		{"[12,1,2]", "[12,3,4,5]", "[LA:NG, PFNCA, GO, GP]"},
		{"[1:2,3:5]", "[12,35,4]", "[LA:NG, PFNCA:GP, GO]"},
	}
	for _, c := range cases {
		m, err := ParseModel(c.in, lists)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if m.String() != c.canon || m.Named(lists) != c.named {
			t.Errorf("%s: got %s %s, want %s %s", c.in, m, m.Named(lists), c.canon, c.named)
		}
		for _, s := range []string{m.String(), m.Named(lists)} {
			back, err := ParseModel(s, lists)
			if err != nil || !back.Equal(m) {
				t.Errorf("round trip of %s failed: %v %v", s, back, err)
			}
		}
	}
	// P = 1 + 5 + 6 for [123,25,34] (METHODS.md §2).
	m, _ := ParseModel("[123,25,34]", lists)
	if m.NumParams() != 12 || m.Order() != 3 {
		t.Errorf("P = %d order %d, want 12, 3", m.NumParams(), m.Order())
	}
}

func TestModelNotationErrors(t *testing.T) {
	lists := []string{"A", "B", "C"}
	for _, in := range []string{"", "[14]", "[12", "[A:Q]", "[1:1]", "[,]"} {
		if _, err := ParseModel(in, lists); err == nil {
			t.Errorf("%q parsed", in)
		}
	}
}

func TestCatalogueRoundTripK5(t *testing.T) {
	lists := []string{"a", "b", "c", "d", "e"}
	for _, m := range HierarchicalModels(5, 4) {
		back, err := ParseModel(m.String(), lists)
		if err != nil || !back.Equal(m) || back.String() != m.String() {
			t.Fatalf("%s: round trip gave %v, %v", m, back, err)
		}
	}
}

func FuzzParseModel(f *testing.F) {
	for _, s := range []string{"main", "[123,25,34]", "[LA:NG, GO]", "A:B + B:C", "[1:2]"} {
		f.Add(s)
	}
	lists := []string{"LA", "NG", "PFNCA", "GO", "GP"}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseModel(s, lists)
		if err != nil {
			if m.K() != 0 {
				t.Fatal("model with error")
			}
			return
		}
		back, err := ParseModel(m.String(), lists)
		if err != nil || !back.Equal(m) {
			t.Fatalf("%q → %s does not round-trip: %v", s, m, err)
		}
		if strings.Count(m.String(), "[") != 1 {
			t.Fatalf("bad notation %s", m)
		}
	})
}
