package study

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/morketall/morketall/internal/randx"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/loglin"
)

// ErrPopulation is wrapped by errors that reject a simulated population or
// scenario.
var ErrPopulation = errors.New("study: invalid population")

// Population is a closed population of known size from which overlap
// tables are drawn: each of its N people falls in capture pattern ω with
// probability Probs[ω], independently of the others. It is the truth of a
// simulation study.
type Population struct {
	// Name and Description say where the population comes from.
	Name        string
	Description string
	// Lists are the list names; K = len(Lists), 2 ≤ K ≤ 12.
	Lists []string
	// N is the population size: observed cases plus the dark figure.
	N int
	// Probs has one probability per capture pattern, 2^K entries indexed
	// by mse.Pattern; Probs[0] is the probability of being on no list. They
	// are non-negative and sum to 1.
	Probs []float64
	// mse.Model is the generating log-linear model in this package's notation
	// when the population has one ("[12,23,3,4,5]"), empty otherwise
	// (latent classes).
	Model string
}

// MaxSimulationLists is the largest number of lists a Population may have:
// its cells are enumerated, and every procedure must run on each replicate.
const MaxSimulationLists = 12

// NewPopulation checks and builds a population from pattern
// probabilities (2^K of them, indexed by mse.Pattern). The probabilities are
// normalised to sum to 1.
func NewPopulation(lists []string, n int, probs []float64) (*Population, error) {
	k := len(lists)
	if k < 2 || k > MaxSimulationLists {
		return nil, fmt.Errorf("%w: %d lists; a simulation needs 2 to %d", ErrPopulation, k, MaxSimulationLists)
	}
	if n < 1 {
		return nil, fmt.Errorf("%w: population size must be at least 1", ErrPopulation)
	}
	if len(probs) != 1<<uint(k) {
		return nil, fmt.Errorf("%w: %d pattern probabilities for %d lists, want %d", ErrPopulation, len(probs), k, 1<<uint(k))
	}
	var sum float64
	for i, p := range probs {
		if !(p >= 0) || math.IsInf(p, 0) {
			return nil, fmt.Errorf("%w: probability of pattern %d is not a non-negative number", ErrPopulation, i)
		}
		sum += p
	}
	if !(sum > 0) || math.IsInf(sum, 0) {
		return nil, fmt.Errorf("%w: pattern probabilities sum to %g", ErrPopulation, sum)
	}
	if probs[0] >= sum {
		return nil, fmt.Errorf("%w: nobody can be observed", ErrPopulation)
	}
	p := &Population{Lists: slices.Clone(lists), N: n, Probs: make([]float64, len(probs))}
	for i, v := range probs {
		p.Probs[i] = v / sum
	}
	return p, nil
}

// K is the number of lists.
func (p *Population) K() int { return len(p.Lists) }

// ExpectedObserved is N(1 − Probs[0]), the expected number of cases on at
// least one list.
func (p *Population) ExpectedObserved() float64 { return float64(p.N) * (1 - p.Probs[0]) }

// Scheme is how a simulated table is drawn from a population.
type Scheme string

// The sampling schemes.
const (
	// SchemeMultinomial keeps the population size fixed at N: the 2^K cell
	// counts, the unobserved one included, are multinomial(N, Probs). This
	// is SparseMSE's BICandbootstrapsim (Chan, Silverman and Vincent 2021,
	// §3.4): the observed total is binomial(N, 1 − Probs[0]) and the
	// observed cells multinomial given it. The truth is N in every
	// replicate. The default.
	SchemeMultinomial Scheme = "multinomial"
	// SchemePoisson draws every cell independently from Poisson(N·Probs[ω]),
	// so that the population size itself is Poisson(N); the truth of a
	// replicate is its own realised size (observed plus unobserved count).
	SchemePoisson Scheme = "poisson"
)

// Sample draws one overlap table from the population by the scheme
// (SchemeMultinomial if empty) with the random source src. It returns the
// table, whose rows are the observed patterns with a positive count in
// increasing pattern order, and the replicate's true population size.
// The table is not tidied: a list can come out empty.
func (p *Population) Sample(src rand.Source, scheme Scheme) (*mse.Table, int, error) {
	counts, truth, err := p.sampleCells(src, scheme)
	if err != nil {
		return nil, 0, err
	}
	var pats []mse.Pattern
	var cnts []int
	for c := 1; c < len(counts); c++ {
		if counts[c] > 0 {
			pats = append(pats, mse.Pattern(c))
			cnts = append(cnts, counts[c])
		}
	}
	if len(pats) == 0 {
		// An empty table is still a table; its procedures report it
		// as not estimable.
		pats, cnts = []mse.Pattern{1}, []int{0}
	}
	t, err := mse.NewTable(p.Lists, pats, cnts)
	if err != nil {
		return nil, 0, err
	}
	return t, truth, nil
}

// sampleCells draws all 2^K cell counts (cell 0 the unobserved).
func (p *Population) sampleCells(src rand.Source, scheme Scheme) ([]int, int, error) {
	rng := rand.New(src)
	counts := make([]int, len(p.Probs))
	switch scheme {
	case "", SchemeMultinomial:
		// Sequential conditional binomials: cell c gets
		// binomial(remaining, p_c / remaining probability).
		left := p.N
		rest := 1.0
		for c, pc := range p.Probs {
			if left == 0 {
				break
			}
			if c == len(p.Probs)-1 || pc >= rest {
				counts[c] = left
				break
			}
			if pc <= 0 {
				continue
			}
			q := pc / rest
			x := int(randx.Binomial(rng, int64(left), q))
			counts[c] = x
			left -= x
			rest -= pc
		}
		return counts, p.N, nil
	case SchemePoisson:
		truth := 0
		for c, pc := range p.Probs {
			if pc <= 0 {
				continue
			}
			x := int(randx.Poisson(rng, float64(p.N)*pc))
			counts[c] = x
			truth += x
		}
		return counts, truth, nil
	}
	return nil, 0, fmt.Errorf("%w: unknown sampling scheme %q (want multinomial or poisson)", ErrPopulation, scheme)
}

// PopulationFromFit is the parametric population of a fitted model, as in
// Chan, Silverman and Vincent (2021, §3.4): its size is the estimate N̂
// rounded to an integer and its pattern probabilities are the fitted
// cell means μ̂_ω / N̂, with the unobserved cell holding exp(θ̂_∅) / N̂.
// Cells removed for a term held at −∞ have probability 0. Drawing tables
// from it and estimating them asks how the procedures would fare if this
// model were the truth.
func PopulationFromFit(t *mse.Table, f *loglin.ModelFit) (*Population, error) {
	if f == nil || !(f.Estimate > 0) || math.IsInf(f.Estimate, 0) || len(f.Cells) != len(f.Fitted) {
		return nil, fmt.Errorf("%w: the model fit has no estimate", ErrPopulation)
	}
	k := t.K()
	if f.Model.K() != k {
		return nil, fmt.Errorf("%w: the model has %d lists, the table %d", ErrPopulation, f.Model.K(), k)
	}
	if k > MaxSimulationLists {
		return nil, fmt.Errorf("%w: %d lists; a simulation needs 2 to %d", ErrPopulation, k, MaxSimulationLists)
	}
	probs := make([]float64, 1<<uint(k))
	probs[0] = math.Exp(f.Intercept)
	for i, c := range f.Cells {
		probs[c] = f.Fitted[i]
	}
	n := int(math.Round(f.Estimate))
	pop, err := NewPopulation(t.Lists, max(n, 1), probs)
	if err != nil {
		return nil, err
	}
	pop.Name = "fit"
	pop.Model = f.Model.String()
	pop.Description = fmt.Sprintf("parametric: model %s fitted to a table of %d cases, N = %d (the rounded estimate %.1f)",
		f.Model.Named(t.Lists), t.N(), pop.N, f.Estimate)
	return pop, nil
}

// PopulationFromModel fits model m to the table and returns its
// parametric population (PopulationFromFit). A model that is not
// estimable on the table is an error wrapping mse.ErrNotEstimable.
func PopulationFromModel(t *mse.Table, m mse.Model) (*Population, error) {
	fit, err := loglin.FitModel(t, m, nil)
	if err != nil {
		if errors.Is(err, mse.ErrNotEstimable) {
			return nil, fmt.Errorf("%w: model %s: %s", mse.ErrNotEstimable, m.Named(t.Lists), mse.Reason(err))
		}
		return nil, err
	}
	return PopulationFromFit(t, fit)
}

// PopulationFromMethod runs method m on the table (no interval) and
// returns the parametric population of the hierarchical model it selects.
func PopulationFromMethod(ctx context.Context, t *mse.Table, m mse.Method) (*Population, error) {
	r, err := mse.Estimate(ctx, t, m, &mse.Options{Interval: mse.IntervalNone, TopModels: 1})
	if err != nil {
		return nil, err
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("%w: the %s model: %s", mse.ErrNotEstimable, m.Name(), r.Reason)
	}
	if r.Model == nil {
		return nil, fmt.Errorf("%w: method %s selects no hierarchical model", ErrPopulation, m.Name())
	}
	mod, err := mse.ParseModel(r.Model.Notation, t.Lists)
	if err != nil {
		return nil, fmt.Errorf("%w: method %s selects no hierarchical model", ErrPopulation, m.Name())
	}
	return PopulationFromModel(t, mod)
}

// ScenarioOptions adjust a named scenario. A nil *ScenarioOptions means the
// defaults.
type ScenarioOptions struct {
	// Lists is the number of lists K, 3 to 8. Default 5 (or the K named
	// in the scenario, as in "sparse-8").
	Lists int
	// N is the population size. Default: the scenario's own (2000, or
	// 4000 for sparse).
	N int
}

// scenarioBase are the capture probabilities of lists 1…8 in the
// scenarios: agencies that see between 4% and 20% of the population.
var scenarioBase = []float64{0.10, 0.15, 0.20, 0.08, 0.12, 0.06, 0.18, 0.09}

// scenarioFamilies are the named scenarios, in the order ScenarioNames
// lists them.
var scenarioFamilies = []struct {
	name, summary string
	n             int
	build         func(k int) (probs []float64, model string, desc string)
}{
	{"independence", "lists independent; the main-effects model is true", 2000, scenarioIndependence},
	{"pairwise", "pairwise dependence: referrals between lists 1 and 2 and 2 and 3, avoidance between lists 3 and 4", 2000, scenarioPairwise},
	{"heterogeneity", "two latent classes (30% easy to find, 70% hard); lists independent within a class", 2000, scenarioHeterogeneity},
	{"sparse", "small lists (2–8% coverage); lists 1 and K never overlap, nor do 2 and K−1", 4000, scenarioSparse},
}

// ScenarioNames lists the named scenarios with a one-line summary each.
// Each takes a number of lists as a suffix ("heterogeneity-8") or through
// ScenarioOptions.
func ScenarioNames() [][2]string {
	out := make([][2]string, len(scenarioFamilies))
	for i, f := range scenarioFamilies {
		out[i] = [2]string{f.name, f.summary}
	}
	return out
}

// MaxScenarioLists is the largest number of lists of a named scenario.
const MaxScenarioLists = 8

// NewScenario builds a named scenario population: "independence",
// "pairwise", "heterogeneity" or "sparse", optionally followed by the
// number of lists ("sparse-8"), with 3 to 8 lists named A, B, C, ….
func NewScenario(name string, opts *ScenarioOptions) (*Population, error) {
	var o ScenarioOptions
	if opts != nil {
		o = *opts
	}
	base, k := splitScenario(name)
	if o.Lists != 0 {
		if k != 0 && k != o.Lists {
			return nil, fmt.Errorf("%w: scenario %q names %d lists but %d were asked for", ErrPopulation, name, k, o.Lists)
		}
		k = o.Lists
	}
	if k == 0 {
		k = 5
	}
	if k < 3 || k > MaxScenarioLists {
		return nil, fmt.Errorf("%w: scenarios have 3 to %d lists, not %d", ErrPopulation, MaxScenarioLists, k)
	}
	for _, f := range scenarioFamilies {
		if f.name != base {
			continue
		}
		n := f.n
		if o.N != 0 {
			n = o.N
		}
		probs, model, desc := f.build(k)
		lists := make([]string, k)
		for i := range lists {
			lists[i] = string(rune('A' + i))
		}
		pop, err := NewPopulation(lists, n, probs)
		if err != nil {
			return nil, err
		}
		pop.Name = fmt.Sprintf("%s-%d", base, k)
		pop.Model = model
		pop.Description = fmt.Sprintf("%s; %d lists, N = %d, about %.0f observed", desc, k, n, pop.ExpectedObserved())
		return pop, nil
	}
	names := make([]string, len(scenarioFamilies))
	for i, f := range scenarioFamilies {
		names[i] = f.name
	}
	return nil, fmt.Errorf("%w: unknown scenario %q (want %s, optionally with -K for K lists)", ErrPopulation, name, strings.Join(names, ", "))
}

// pairEffect is a two-list interaction of a scenario: lists i and j
// (0-based) with log odds ratio b; b = −Inf makes the pair a structural
// zero.
type pairEffect struct {
	i, j int
	b    float64
}

// loglinearProbs returns pattern probabilities ∝ exp(Σ_j a_j ω_j +
// Σ_{i<j} b_ij ω_i ω_j).
func loglinearProbs(k int, logit []float64, pairs []pairEffect) []float64 {
	probs := make([]float64, 1<<uint(k))
	for c := range probs {
		var s float64
		for j := 0; j < k; j++ {
			if c>>uint(j)&1 == 1 {
				s += logit[j]
			}
		}
		for _, pr := range pairs {
			if c>>uint(pr.i)&1 == 1 && c>>uint(pr.j)&1 == 1 {
				s += pr.b
			}
		}
		probs[c] = math.Exp(s)
	}
	return probs
}

func logits(q []float64) []float64 {
	out := make([]float64, len(q))
	for i, p := range q {
		out[i] = math.Log(p / (1 - p))
	}
	return out
}

// modelNotation writes the generating model of pairwise interactions.
func modelNotation(k int, pairs []pairEffect) string {
	var gens []mse.Term
	for _, pr := range pairs {
		gens = append(gens, mse.Term(1<<uint(pr.i)|1<<uint(pr.j)))
	}
	m, err := mse.NewModel(k, gens)
	if err != nil {
		return ""
	}
	return m.String()
}

func scenarioIndependence(k int) ([]float64, string, string) {
	q := scenarioBase[:k]
	return loglinearProbs(k, logits(q), nil), mse.MainEffects(k).String(),
		fmt.Sprintf("independent lists with capture probabilities %v", q)
}

func scenarioPairwise(k int) ([]float64, string, string) {
	q := scenarioBase[:k]
	pairs := []pairEffect{{0, 1, 1.2}, {1, 2, 0.8}}
	if k >= 4 {
		pairs = append(pairs, pairEffect{2, 3, -1.0})
	}
	return loglinearProbs(k, logits(q), pairs), modelNotation(k, pairs),
		"log-linear: lists 1:2 log odds ratio +1.2, 2:3 +0.8, 3:4 −1.0 (positive dependence biases main effects down)"
}

func scenarioHeterogeneity(k int) ([]float64, string, string) {
	// Class weights 0.3 and 0.7; class capture probabilities 2.4 q and
	// 0.4 q, so that the average capture probability is q.
	q := scenarioBase[:k]
	probs := make([]float64, 1<<uint(k))
	for _, cl := range []struct{ w, f float64 }{{0.3, 2.4}, {0.7, 0.4}} {
		for c := range probs {
			pr := cl.w
			for j := 0; j < k; j++ {
				pj := cl.f * q[j]
				if c>>uint(j)&1 == 1 {
					pr *= pj
				} else {
					pr *= 1 - pj
				}
			}
			probs[c] += pr
		}
	}
	return probs, "", "two latent classes: 30% with capture probabilities 2.4 q, 70% with 0.4 q, q = " + fmt.Sprint(q)
}

// sparseBase are the capture probabilities of the sparse scenario.
var sparseBase = []float64{0.03, 0.06, 0.08, 0.04, 0.05, 0.02, 0.07, 0.035}

func scenarioSparse(k int) ([]float64, string, string) {
	q := sparseBase[:k]
	pairs := []pairEffect{{0, k - 1, math.Inf(-1)}}
	zeros := fmt.Sprintf("1:%d", k)
	if k >= 4 {
		pairs = append(pairs, pairEffect{1, k - 2, math.Inf(-1)})
		zeros += fmt.Sprintf(" and 2:%d", k-1)
	}
	// The structural zeros are −∞ terms: the generating model includes them.
	return loglinearProbs(k, logits(q), pairs), modelNotation(k, pairs),
		fmt.Sprintf("independent lists with capture probabilities %s, except that lists %s never overlap", fmtProbs(q), zeros)
}

func fmtProbs(q []float64) string {
	parts := make([]string, len(q))
	for i, v := range q {
		parts[i] = strconv.FormatFloat(v, 'f', 3, 64)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
