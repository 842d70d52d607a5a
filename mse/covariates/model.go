package covariates

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/morketall/morketall/loglinear"
)

// Term is a set of factors as a bit set: bits 0 … K−1 are the lists (list
// i + 1 of the table is bit i), bits K … K+C−1 the covariates in column
// order. The empty term is the intercept.
type Term = loglinear.Term

// Model is a hierarchical log-linear model over K lists and C covariates:
// it holds the intercept, every main effect and the interactions given by
// its generators (maximal terms) with all their subsets. The zero Model
// is not valid; build one with MainEffects, NewModel or ParseModel.
type Model struct {
	lists, covs []string
	k           int
	gens        []Term // canonical order (see String)
	terms       []Term // the closure with the intercept, in column order
}

// ErrModel is wrapped by model construction and parsing errors.
var ErrModel = errors.New("covariates: invalid model")

// MainEffects is the model of main effects only (lists and covariates
// independent).
func MainEffects(lists, covs []string) Model {
	m, err := NewModel(lists, covs, nil)
	if err != nil {
		panic(err)
	}
	return m
}

// Saturated returns the term of all covariates: with it in a model the
// covariates' joint distribution is saturated, as the selection methods
// of this package always keep it.
func Saturated(k, c int) Term {
	return (Term(1)<<uint(c) - 1) << uint(k)
}

// NewModel builds the hierarchical model with the given generators; main
// effects not covered are added and terms contained in others absorbed.
func NewModel(lists, covs []string, generators []Term) (Model, error) {
	k, c := len(lists), len(covs)
	if k < 1 || k+c > 32 {
		return Model{}, fmt.Errorf("%w: %d lists and %d covariates", ErrModel, k, c)
	}
	all := Term(1)<<uint(k+c) - 1
	var g []Term
	for _, t := range generators {
		if t == 0 {
			continue
		}
		if t&^all != 0 {
			return Model{}, fmt.Errorf("%w: a term names a factor beyond the %d lists and %d covariates", ErrModel, k, c)
		}
		g = append(g, t)
	}
	for i := 0; i < k+c; i++ {
		g = append(g, Term(1)<<uint(i))
	}
	m := Model{lists: lists, covs: covs, k: k}
	m.terms = loglinear.Closure(g)
	slices.SortFunc(m.terms, compareColumns)
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

// compareColumns orders terms as R's model.matrix: by order, then by
// their factors in column order.
func compareColumns(a, b Term) int {
	if a.Size() != b.Size() {
		return a.Size() - b.Size()
	}
	return lexFactors(a, b)
}

// compareGenerators orders generators larger first, then by their
// factors in column order (lists before covariates), as mse.Model does.
func compareGenerators(a, b Term) int {
	if a.Size() != b.Size() {
		return b.Size() - a.Size()
	}
	return lexFactors(a, b)
}

// lexFactors compares terms of one size lexicographically by their sorted
// factor indices.
func lexFactors(a, b Term) int {
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

// K is the number of lists; C the number of covariates.
func (m Model) K() int { return m.k }
func (m Model) C() int { return len(m.covs) }

// Terms returns every term in design-column order: the intercept, the
// main effects, then the interactions by order.
func (m Model) Terms() []Term { return slices.Clone(m.terms) }

// Generators returns the maximal terms in canonical order.
func (m Model) Generators() []Term { return slices.Clone(m.gens) }

// Has reports whether the model holds term t.
func (m Model) Has(t Term) bool { return slices.Contains(m.terms, t) }

// Equal reports whether two models have the same terms.
func (m Model) Equal(o Model) bool {
	return m.k == o.k && len(m.covs) == len(o.covs) && slices.Equal(m.terms, o.terms)
}

// With returns the model with term t (and its subsets) added.
func (m Model) With(t Term) Model {
	nm, err := NewModel(m.lists, m.covs, append(slices.Clone(m.gens), t))
	if err != nil {
		panic(err)
	}
	return nm
}

// Without returns the model without term t, which must be a generator of
// order two or more (no other term contains it).
func (m Model) Without(t Term) Model {
	var g []Term
	for _, x := range m.gens {
		if x != t {
			g = append(g, x)
		}
	}
	// t's own subsets of order |t| − 1 stay.
	for _, f := range t.Factors() {
		g = append(g, t&^(Term(1)<<uint(f)))
	}
	nm, err := NewModel(m.lists, m.covs, g)
	if err != nil {
		panic(err)
	}
	return nm
}

// HoldsSaturated reports whether the covariates' joint distribution is
// saturated: the term of all covariates is in the model.
func (m Model) HoldsSaturated() bool {
	return len(m.covs) == 0 || m.Has(Saturated(m.k, len(m.covs)))
}

// IsListSaturated reports whether the model holds a term with every list:
// such a term says nothing about the unobserved and is not identified.
func (m Model) IsListSaturated() bool {
	all := Term(1)<<uint(m.k) - 1
	for _, t := range m.gens {
		if t&all == all {
			return true
		}
	}
	return false
}

// String writes the model in the notation of mse.Model extended with
// covariates: each generator is its list numbers (from 1, as "12"; ':'
// between numbers when K > 9) followed by its covariates, joined by ':',
// e.g. "[12,13,1:sex,2:age,sex:age]". ParseModel reads it back.
func (m Model) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, g := range m.gens {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(m.termString(g))
	}
	b.WriteByte(']')
	return b.String()
}

func (m Model) termString(t Term) string {
	var parts []string
	var lists strings.Builder
	for _, f := range t.Factors() {
		if f < m.k {
			if lists.Len() > 0 && m.k > 9 {
				lists.WriteByte(':')
			}
			lists.WriteString(strconv.Itoa(f + 1))
			continue
		}
		parts = append(parts, m.covs[f-m.k])
	}
	if lists.Len() > 0 {
		parts = append([]string{lists.String()}, parts...)
	}
	return strings.Join(parts, ":")
}

// Named writes the model with names: "[A:B, A:sex, sex:age]".
func (m Model) Named() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, g := range m.gens {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(m.TermName(g))
	}
	b.WriteByte(']')
	return b.String()
}

// TermName writes a term with list and covariate names joined by ':'.
func (m Model) TermName(t Term) string {
	if t == 0 {
		return "(Intercept)"
	}
	return strings.Join(m.TermNames(t), ":")
}

// TermNames returns the names of a term's factors.
func (m Model) TermNames(t Term) []string {
	var out []string
	for _, f := range t.Factors() {
		out = append(out, m.factorName(f))
	}
	return out
}

func (m Model) factorName(f int) string {
	if f < m.k {
		return m.lists[f]
	}
	return m.covs[f-m.k]
}

// Interactions returns the terms of order two or more, in column order.
func (m Model) Interactions() []Term {
	var out []Term
	for _, t := range m.terms {
		if t.Size() >= 2 {
			out = append(out, t)
		}
	}
	return out
}

// ParseModel reads a model over the given lists and covariates:
//
//	main                          main effects only
//	[12,13,1:sex,2:age,sex:age]   list numbers and covariate names
//	[A:B, A:C, A:sex, sex:age]    names joined by ':'
//	A:B + A:sex + sex:age         terms joined by '+'
//
// A term's parts are list names, covariate names or list numbers ("12"
// is lists 1 and 2 when K ≤ 9). Factors no term mentions enter as main
// effects; nothing else is added (the selection methods add the
// covariates' joint term themselves). Parsing and String round-trip.
func ParseModel(s string, lists, covs []string) (Model, error) {
	k := len(lists)
	s = strings.TrimSpace(s)
	if s == "" {
		return Model{}, fmt.Errorf("%w: empty model", ErrModel)
	}
	if strings.EqualFold(s, "main") || strings.EqualFold(s, "independence") {
		return NewModel(lists, covs, nil)
	}
	var body, sep string
	switch {
	case strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]"):
		body, sep = s[1:len(s)-1], ","
	case strings.ContainsAny(s, "[]"):
		return Model{}, fmt.Errorf("%w: unbalanced brackets", ErrModel)
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
	for i, c := range covs {
		index[c] = k + i
	}
	var gens []Term
	for ti, tok := range strings.Split(body, sep) {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			return Model{}, fmt.Errorf("%w: term %d is empty", ErrModel, ti+1)
		}
		var t Term
		for _, part := range strings.Split(tok, ":") {
			part = strings.TrimSpace(part)
			var add Term
			switch i, ok := index[part]; {
			case ok:
				add = Term(1) << uint(i)
			case isDigits(part):
				digits := []string{part}
				if k <= 9 {
					digits = strings.Split(part, "")
				}
				for _, dg := range digits {
					n, err := strconv.Atoi(dg)
					if err != nil || n < 1 || n > k {
						return Model{}, fmt.Errorf("%w: term %d: list number %s outside 1..%d", ErrModel, ti+1, dg, k)
					}
					if add&(Term(1)<<uint(n-1)) != 0 {
						return Model{}, fmt.Errorf("%w: term %d: list %d repeated", ErrModel, ti+1, n)
					}
					add |= Term(1) << uint(n-1)
				}
			default:
				return Model{}, fmt.Errorf("%w: term %d: %q is not a list or covariate of the table (declare covariates with --covariates)", ErrModel, ti+1, part)
			}
			if t&add != 0 {
				return Model{}, fmt.Errorf("%w: term %d names a factor twice", ErrModel, ti+1)
			}
			t |= add
		}
		gens = append(gens, t)
	}
	return NewModel(lists, covs, gens)
}
