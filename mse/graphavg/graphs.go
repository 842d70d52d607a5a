package graphavg

import (
	"math/bits"
	"slices"
)

// A graph is an undirected graph over K ≤ MaxLists vertices (the lists),
// held as adjacency bit masks: bit j of adj[i] is the edge i–j.
type graph struct {
	k   int
	adj [MaxLists]uint16
}

// key packs the edges into one integer (upper triangle, row by row).
func (g *graph) key() uint64 {
	var key uint64
	bit := 0
	for i := 0; i < g.k; i++ {
		for j := i + 1; j < g.k; j++ {
			if g.adj[i]&(1<<uint(j)) != 0 {
				key |= 1 << uint(bit)
			}
			bit++
		}
	}
	return key
}

// graphFromKey is the inverse of key.
func graphFromKey(k int, key uint64) graph {
	g := graph{k: k}
	bit := 0
	for i := 0; i < k; i++ {
		for j := i + 1; j < k; j++ {
			if key&(1<<uint(bit)) != 0 {
				g.adj[i] |= 1 << uint(j)
				g.adj[j] |= 1 << uint(i)
			}
			bit++
		}
	}
	return g
}

// toggle adds or removes the edge i–j.
func (g *graph) toggle(i, j int) {
	g.adj[i] ^= 1 << uint(j)
	g.adj[j] ^= 1 << uint(i)
}

// edges counts the edges.
func (g *graph) edges() int {
	e := 0
	for i := 0; i < g.k; i++ {
		e += bits.OnesCount16(g.adj[i])
	}
	return e / 2
}

// mcs returns a maximum cardinality search order (ties to the lowest
// vertex) and, for each vertex in that order, its neighbours numbered
// before it.
func (g *graph) mcs() (order []int, pred []uint16) {
	var numbered uint16
	card := make([]int, g.k)
	order = make([]int, 0, g.k)
	pred = make([]uint16, 0, g.k)
	for len(order) < g.k {
		best := -1
		for v := 0; v < g.k; v++ {
			if numbered&(1<<uint(v)) == 0 && (best < 0 || card[v] > card[best]) {
				best = v
			}
		}
		order = append(order, best)
		pred = append(pred, g.adj[best]&numbered)
		numbered |= 1 << uint(best)
		for v := 0; v < g.k; v++ {
			if g.adj[best]&(1<<uint(v)) != 0 {
				card[v]++
			}
		}
	}
	return order, pred
}

// chordal reports whether the graph is decomposable (chordal): the
// neighbours numbered before each vertex by maximum cardinality search
// form a clique (Tarjan and Yannakakis 1984).
func (g *graph) chordal() bool {
	_, pred := g.mcs()
	for _, p := range pred {
		for x := p; x != 0; x &= x - 1 {
			v := bits.TrailingZeros16(x)
			if rest := p &^ (1 << uint(v)); rest&^g.adj[v] != 0 {
				return false
			}
		}
	}
	return true
}

// decompose returns the maximal cliques of a chordal graph in an order
// with the running intersection property and the separators
// C_j ∩ (C_1 ∪ … ∪ C_{j−1}), empty ones left out (they contribute nothing
// to the marginal likelihood), as bit sets of lists.
func (g *graph) decompose() (cliques, seps []uint16) {
	order, pred := g.mcs()
	cand := make([]uint16, len(order))
	for i, v := range order {
		cand[i] = pred[i] | 1<<uint(v)
	}
	for i, c := range cand {
		maximal := true
		for j, d := range cand {
			if j != i && c&d == c && (c != d || j < i) {
				maximal = false
				break
			}
		}
		if maximal {
			cliques = append(cliques, c)
		}
	}
	var union uint16
	for _, c := range cliques {
		if s := c & union; s != 0 {
			seps = append(seps, s)
		}
		union |= c
	}
	return cliques, seps
}

// decomposableGraphs enumerates every decomposable graph over k vertices
// (1, 2, 8, 61, 822, 18154, 617675 for k = 1 … 7), ordered by their edge
// keys.
func decomposableGraphs(k int) []graph {
	nedges := k * (k - 1) / 2
	var out []graph
	for key := uint64(0); key < 1<<uint(nedges); key++ {
		g := graphFromKey(k, key)
		if g.chordal() {
			out = append(out, g)
		}
	}
	return out
}

// sortedTerms returns bit sets sorted ascending (for comparisons).
func sortedTerms(ts []uint16) []uint16 {
	s := slices.Clone(ts)
	slices.Sort(s)
	return s
}
