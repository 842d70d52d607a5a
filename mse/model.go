package mse

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/morketall/morketall/loglinear"
)

// Term is a set of lists, as a bit set (bit i = list i + 1 of the table).
// It is loglinear.Term: the same encoding serves cells and parameters.
type Term = loglinear.Term

// Model is a hierarchical log-linear model over K lists. It always holds
// the intercept and every main effect; its interactions are given by its
// generators (maximal terms). The zero Model is not valid; build one with
// MainEffects, NewModel or ParseModel.
type Model struct {
	k     int
	gens  []Term // canonical order (see String)
	terms []Term // closure with intercept, increasing code
}

// ErrModel is wrapped by model construction and parsing errors.
var ErrModel = errors.New("mse: invalid model")

// MainEffects is the independence model [1,2,…,K].
func MainEffects(k int) Model {
	m, err := NewModel(k, nil)
	if err != nil {
		panic(err)
	}
	return m
}

// NewModel builds the hierarchical model with the given generators over K
// lists; main effects not covered by a generator are added. Terms that are
// subsets of others are absorbed. The saturated model (all K lists in one
// term) is allowed here, though it cannot be estimated.
func NewModel(k int, generators []Term) (Model, error) {
	if k < 1 || k > loglinear.MaxFactors {
		return Model{}, fmt.Errorf("%w: K = %d outside [1, %d]", ErrModel, k, loglinear.MaxFactors)
	}
	all := Term(1)<<uint(k) - 1
	var g []Term
	for _, t := range generators {
		if t == 0 {
			continue
		}
		if t&^all != 0 {
			return Model{}, fmt.Errorf("%w: a term names a list beyond the %d lists", ErrModel, k)
		}
		g = append(g, t)
	}
	for i := 0; i < k; i++ {
		g = append(g, Term(1)<<uint(i))
	}
	m := Model{k: k}
	m.terms = loglinear.Closure(g)
	// Generators: terms of the closure that are in no larger term.
	for _, t := range m.terms {
		if t == 0 {
			continue
		}
		maximal := true
		for _, u := range m.terms {
			if u != t && t.SubsetOf(u) {
				maximal = false
				break
			}
		}
		if maximal {
			m.gens = append(m.gens, t)
		}
	}
	slices.SortFunc(m.gens, compareGenerators)
	return m, nil
}

// compareGenerators orders generators as MSE-R's convert_to_hierarchy:
// decreasing weight |g| + Σ_{i∈g} 0.5^i (i 1-based), i.e. larger terms
// first and, within a size, lexicographically by their sorted list numbers.
func compareGenerators(a, b Term) int {
	if a.Size() != b.Size() {
		return b.Size() - a.Size()
	}
	// Lexicographic on sorted indices: the term whose lowest differing list
	// is smaller comes first.
	d := a ^ b
	if d == 0 {
		return 0
	}
	low := d & -d
	if a&low != 0 {
		return -1
	}
	return 1
}

// K is the number of lists.
func (m Model) K() int { return m.k }

// Terms returns every parameter's term: the intercept (0), main effects
// and interactions, in increasing code order (MSE-R's design column order).
func (m Model) Terms() []Term { return slices.Clone(m.terms) }

// RawTerms returns the model's terms as Terms does, without copying: the
// slice is shared and must not be modified. It is for allocation-free
// fitting loops.
func (m Model) RawTerms() []Term { return m.terms }

// Generators returns the maximal terms in canonical order.
func (m Model) Generators() []Term { return slices.Clone(m.gens) }

// Interactions returns the terms of order two or more, increasing code.
func (m Model) Interactions() []Term {
	var out []Term
	for _, t := range m.terms {
		if t.Size() >= 2 {
			out = append(out, t)
		}
	}
	return out
}

// NumParams is P = 1 + K + number of interactions.
func (m Model) NumParams() int { return len(m.terms) }

// Order is the size of the largest generator (1 for main effects).
func (m Model) Order() int {
	if len(m.gens) == 0 {
		return 0
	}
	return m.gens[0].Size()
}

// IsMainEffects reports whether the model has no interactions.
func (m Model) IsMainEffects() bool { return m.Order() <= 1 }

// IsSaturated reports whether the model holds the K-way term.
func (m Model) IsSaturated() bool { return m.Order() == m.k }

// Has reports whether the model holds term t.
func (m Model) Has(t Term) bool {
	_, ok := slices.BinarySearch(m.terms, t)
	return ok
}

// With returns the model with term t added (and its subsets).
func (m Model) With(t Term) Model {
	nm, err := NewModel(m.k, append(slices.Clone(m.gens), t))
	if err != nil {
		panic(err)
	}
	return nm
}

// Equal reports whether two models have the same terms.
func (m Model) Equal(o Model) bool { return m.k == o.k && slices.Equal(m.terms, o.terms) }

// String writes the model in MSE-R's hierarchical notation with lists
// numbered from 1 in column order: "[123,25,34]", "[1,2,3]". For K ≥ 10
// list numbers are separated by ':' inside a term ("[1:10,2,3,…]").
func (m Model) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, g := range m.gens {
		if i > 0 {
			b.WriteByte(',')
		}
		f := g.Factors()
		for j, x := range f {
			if j > 0 && m.k > 9 {
				b.WriteByte(':')
			}
			b.WriteString(strconv.Itoa(x + 1))
		}
	}
	b.WriteByte(']')
	return b.String()
}

// Named writes the model with list names: "[LA:NG, LA:PFNCA, GO, GP]".
func (m Model) Named(lists []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, g := range m.gens {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(TermName(g, lists))
	}
	b.WriteByte(']')
	return b.String()
}

// TermName writes a term with list names joined by ':'.
func TermName(t Term, lists []string) string {
	if t == 0 {
		return "(Intercept)"
	}
	f := t.Factors()
	parts := make([]string, len(f))
	for i, x := range f {
		if x < len(lists) {
			parts[i] = lists[x]
		} else {
			parts[i] = strconv.Itoa(x + 1)
		}
	}
	return strings.Join(parts, ":")
}

// ParseModel reads a model for the given lists in any of these forms:
//
//	main                     the main-effects (independence) model
//	[12,13,3]                MSE-R/Rcapture notation, lists numbered from 1
//	[1:10,2:3]               the same with ':' between numbers (any K)
//	[LA:NG, LA:PFNCA, GO]    list names joined by ':'
//	LA:NG + NG:GP            SparseMSE-style terms joined by '+'
//
// Lists that no term mentions enter as main effects. Parsing and String
// round-trip.
func ParseModel(s string, lists []string) (Model, error) {
	k := len(lists)
	s = strings.TrimSpace(s)
	if s == "" {
		return Model{}, fmt.Errorf("%w: empty model", ErrModel)
	}
	if strings.EqualFold(s, "main") || strings.EqualFold(s, "independence") {
		return NewModel(k, nil)
	}
	var body string
	var sep string
	switch {
	case strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]"):
		body, sep = s[1:len(s)-1], ","
	case strings.ContainsAny(s, "[]"):
		return Model{}, fmt.Errorf("%w: unbalanced brackets in %q", ErrModel, s)
	default:
		body, sep = s, "+"
		if !strings.Contains(s, "+") && strings.Contains(s, ",") {
			sep = ","
		}
	}
	index := map[string]int{}
	for i, l := range lists {
		index[l] = i
	}
	var gens []Term
	for _, tok := range strings.Split(body, sep) {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			return Model{}, fmt.Errorf("%w: empty term in %q", ErrModel, s)
		}
		t, err := parseTerm(tok, index, k)
		if err != nil {
			return Model{}, fmt.Errorf("%w: term %q: %v", ErrModel, tok, err)
		}
		gens = append(gens, t)
	}
	return NewModel(k, gens)
}

func parseTerm(tok string, index map[string]int, k int) (Term, error) {
	if i, ok := index[tok]; ok {
		return Term(1) << uint(i), nil
	}
	var parts []string
	switch {
	case strings.Contains(tok, ":"):
		parts = strings.Split(tok, ":")
	case isDigits(tok) && k <= 9:
		parts = strings.Split(tok, "")
	default:
		return 0, errors.New("not a list name or list numbers")
	}
	var t Term
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if i, ok := index[p]; ok {
			t |= Term(1) << uint(i)
			continue
		}
		if !isDigits(p) {
			return 0, fmt.Errorf("unknown list %q", p)
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > k {
			return 0, fmt.Errorf("list number %s outside 1..%d", p, k)
		}
		bit := Term(1) << uint(n-1)
		if t&bit != 0 {
			return 0, fmt.Errorf("list %d repeated", n)
		}
		t |= bit
	}
	return t, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// HierarchicalModels enumerates every hierarchical model over K lists that
// holds all main effects and no term of order above maxOrder, except the
// saturated model: MSE-R's catalogue for K ≤ 5 (the same set, in this
// package's own order: models with fewer parameters first, then by their
// term codes), and for K = 6 with maxOrder 2 the 2^15 pairwise models.
// It panics if the count would exceed 1<<22.
func HierarchicalModels(k, maxOrder int) []Model {
	if maxOrder > k {
		maxOrder = k
	}
	// Terms by order.
	byOrder := make([][]Term, k+1)
	for t := Term(1); t < Term(1)<<uint(k); t++ {
		byOrder[t.Size()] = append(byOrder[t.Size()], t)
	}
	var out []Model
	var rec func(order int, have map[Term]bool, prev []Term, chosen []Term)
	rec = func(order int, have map[Term]bool, prev []Term, chosen []Term) {
		if order > maxOrder || len(prev) == 0 && order > 2 {
			m, _ := NewModel(k, chosen)
			if !m.IsSaturated() {
				out = append(out, m)
			}
			if len(out) > 1<<22 {
				panic("mse: HierarchicalModels: too many models")
			}
			return
		}
		// Eligible terms of this order: all subsets of size order−1 present.
		var elig []Term
		for _, t := range byOrder[order] {
			ok := true
			for x := uint32(t); x != 0; x &= x - 1 {
				sub := t &^ Term(x&-x)
				if sub.Size() >= 1 && !have[sub] {
					ok = false
					break
				}
			}
			if ok {
				elig = append(elig, t)
			}
		}
		for mask := 0; mask < 1<<uint(len(elig)); mask++ {
			var sel []Term
			for i, t := range elig {
				if mask&(1<<uint(i)) != 0 {
					sel = append(sel, t)
					have[t] = true
				}
			}
			rec(order+1, have, sel, append(slices.Clone(chosen), sel...))
			for _, t := range sel {
				delete(have, t)
			}
		}
	}
	have := map[Term]bool{}
	for _, t := range byOrder[1] {
		have[t] = true
	}
	if maxOrder < 2 {
		return []Model{MainEffects(k)}
	}
	rec(2, have, byOrder[1], nil)
	slices.SortStableFunc(out, func(a, b Model) int {
		if a.NumParams() != b.NumParams() {
			return a.NumParams() - b.NumParams()
		}
		return slices.Compare(a.terms, b.terms)
	})
	return out
}

// TermNames returns the names of the lists in a term, in list order.
func TermNames(t Term, lists []string) []string {
	var out []string
	for _, f := range t.Factors() {
		out = append(out, lists[f])
	}
	return out
}
