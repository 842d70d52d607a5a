package study

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mat"

	"github.com/morketall/morketall/mse"
)

// Assumed capture structures.
//
// A planned study has no data yet, only assumptions: how much of the
// population each list will see (its capture probability, the expected
// list size over N), how the lists depend on one another, and how much
// people differ in how easily they are found. A Structure states them and
// builds the population they describe:
//
//	P(ω | η) ∝ exp(Σ_j (a_j + η) ω_j + Σ_{i<j} b_ij ω_i ω_j),  η ~ N(0, σ²),
//
// the log-linear model with two-list terms b_ij (the Dependence:
// conditional log odds ratios) and a person-level random effect η on the
// logit of every capture (the logit-normal heterogeneity model of Coull
// and Agresti 1999; σ is the Heterogeneity). The main effects a_j are not
// given: they are solved for, so that each list's marginal capture
// probability P(ω_j = 1) is exactly Capture[j] whatever the dependence and
// heterogeneity. The integral over η is a 40-point Gauss–Hermite rule.

// Dependence is the pairwise dependence of an assumed structure: the
// two-list terms of a log-linear model, i.e. conditional log odds ratios.
// A positive value means that people on one list are more often on the
// other (referrals), a negative one less often (avoidance), −Inf that the
// two lists never share anybody. The zero value is independence.
//
// Its text form is a number, the log odds ratio of every pair ("0.5"),
// and/or pairs of lists numbered from 1 ("1:2=1.2,3:4=-1", "0.3,1:2=-inf").
// In JSON it is a number or that string.
type Dependence struct {
	// All is the log odds ratio of every pair of lists not named in
	// Pairs. Default 0.
	All float64
	// Pairs are the pairs with their own log odds ratio.
	Pairs []PairDependence
}

// PairDependence is the log odds ratio of one pair of lists.
type PairDependence struct {
	// I and J are the lists, numbered from 1, I < J.
	I, J int
	// LogOR is the conditional log odds ratio; −Inf for lists that
	// never overlap.
	LogOR float64
}

// ErrDependence is wrapped by errors for an invalid dependence.
var ErrDependence = errors.New("study: invalid dependence")

// ParseDependence reads the text form of a Dependence.
func ParseDependence(s string) (Dependence, error) {
	var d Dependence
	s = strings.TrimSpace(s)
	if s == "" {
		return d, nil
	}
	seenAll := false
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		pair, val, isPair := strings.Cut(part, "=")
		if !isPair {
			v, err := parseLogOR(part)
			if err != nil || seenAll {
				return Dependence{}, fmt.Errorf("%w: item %d: want a log odds ratio or i:j=value", ErrDependence, i+1)
			}
			if math.IsInf(v, -1) {
				return Dependence{}, fmt.Errorf("%w: item %d: every pair at -Inf leaves nobody on two lists", ErrDependence, i+1)
			}
			d.All, seenAll = v, true
			continue
		}
		a, b, ok := strings.Cut(pair, ":")
		li, err1 := strconv.Atoi(strings.TrimSpace(a))
		lj, err2 := strconv.Atoi(strings.TrimSpace(b))
		v, err3 := parseLogOR(val)
		if !ok || err1 != nil || err2 != nil || err3 != nil || li < 1 || lj < 1 || li == lj {
			return Dependence{}, fmt.Errorf("%w: item %d: want i:j=value with two different lists numbered from 1", ErrDependence, i+1)
		}
		if li > lj {
			li, lj = lj, li
		}
		for _, p := range d.Pairs {
			if p.I == li && p.J == lj {
				return Dependence{}, fmt.Errorf("%w: item %d: pair %d:%d given twice", ErrDependence, i+1, li, lj)
			}
		}
		d.Pairs = append(d.Pairs, PairDependence{I: li, J: lj, LogOR: v})
	}
	slices.SortFunc(d.Pairs, func(x, y PairDependence) int {
		if x.I != y.I {
			return x.I - y.I
		}
		return x.J - y.J
	})
	return d, nil
}

// parseLogOR reads a log odds ratio: a finite number or -Inf.
func parseLogOR(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 1) {
		return 0, errors.New("not a log odds ratio")
	}
	return v, nil
}

// String writes the text form ParseDependence reads; independence is "0".
func (d Dependence) String() string {
	var parts []string
	if d.All != 0 || len(d.Pairs) == 0 {
		parts = append(parts, fmtLogOR(d.All))
	}
	for _, p := range d.Pairs {
		parts = append(parts, fmt.Sprintf("%d:%d=%s", p.I, p.J, fmtLogOR(p.LogOR)))
	}
	return strings.Join(parts, ",")
}

func fmtLogOR(v float64) string {
	if math.IsInf(v, -1) {
		return "-inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// IsZero reports whether d is independence.
func (d Dependence) IsZero() bool {
	if d.All != 0 {
		return false
	}
	for _, p := range d.Pairs {
		if p.LogOR != 0 {
			return false
		}
	}
	return true
}

// MarshalJSON writes a number when every pair has the same finite log
// odds ratio, the text form otherwise.
func (d Dependence) MarshalJSON() ([]byte, error) {
	if len(d.Pairs) == 0 {
		return json.Marshal(d.All)
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads a number or the text form.
func (d *Dependence) UnmarshalJSON(b []byte) error {
	var v float64
	if err := json.Unmarshal(b, &v); err == nil {
		*d = Dependence{All: v}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%w: want a number or a string such as \"1:2=1.2,3:4=-1\"", ErrDependence)
	}
	dd, err := ParseDependence(s)
	if err != nil {
		return err
	}
	*d = dd
	return nil
}

// logOR is the log odds ratio of lists i and j (0-based).
func (d Dependence) logOR(i, j int) float64 {
	for _, p := range d.Pairs {
		if p.I == i+1 && p.J == j+1 {
			return p.LogOR
		}
	}
	return d.All
}

// check refuses pairs beyond k lists.
func (d Dependence) check(k int) error {
	for _, p := range d.Pairs {
		if p.J > k {
			return fmt.Errorf("%w: pair %d:%d names a list beyond the %d lists", ErrDependence, p.I, p.J, k)
		}
	}
	return nil
}

// Describe says what the dependence is in words.
func (d Dependence) Describe() string {
	if d.IsZero() {
		return "lists independent"
	}
	var parts []string
	if d.All != 0 {
		parts = append(parts, "every pair of lists log odds ratio "+fmtLogOR(d.All))
	}
	for _, p := range d.Pairs {
		if math.IsInf(p.LogOR, -1) {
			parts = append(parts, fmt.Sprintf("lists %d and %d never overlap", p.I, p.J))
		} else {
			parts = append(parts, fmt.Sprintf("lists %d:%d log odds ratio %s", p.I, p.J, fmtLogOR(p.LogOR)))
		}
	}
	return strings.Join(parts, ", ")
}

// MaxHeterogeneity bounds the standard deviation of the logit-normal
// heterogeneity.
const MaxHeterogeneity = 10

// Structure is an assumed capture structure (see "Assumed capture
// structures" above).
type Structure struct {
	// Capture are the lists' marginal capture probabilities, each in
	// (0, 1): the expected list sizes over N. Required; 2 to
	// MaxSimulationLists lists.
	Capture []float64
	// Dependence is the pairwise dependence. Default: independence.
	Dependence Dependence
	// Heterogeneity is σ, the standard deviation of the person effect on
	// the logit of capture, in [0, MaxHeterogeneity]. Default 0: everybody
	// is as easy to find as anybody else.
	Heterogeneity float64
}

// hermiteNodes is the size of the Gauss–Hermite rule over η.
const hermiteNodes = 40

// Population builds the population of size n with the structure: its
// pattern probabilities have the structure's marginal capture
// probabilities exactly (to 1e-12). It names its lists A, B, C, ….
func (s Structure) Population(n int) (*Population, error) {
	k := len(s.Capture)
	if k < 2 || k > MaxSimulationLists {
		return nil, fmt.Errorf("%w: %d lists; a simulation needs 2 to %d", ErrPopulation, k, MaxSimulationLists)
	}
	for j, q := range s.Capture {
		if !(q > 0 && q < 1) {
			return nil, fmt.Errorf("%w: the capture probability of list %d must be in (0, 1)", ErrPopulation, j+1)
		}
	}
	if !(s.Heterogeneity >= 0 && s.Heterogeneity <= MaxHeterogeneity) {
		return nil, fmt.Errorf("%w: heterogeneity must be in [0, %d]", ErrPopulation, MaxHeterogeneity)
	}
	if err := s.Dependence.check(k); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("%w: population size must be at least 1", ErrPopulation)
	}
	ncell := 1 << uint(k)
	pair := make([]float64, ncell) // Σ b_ij over the pairs in the pattern
	var pairs []pairEffect
	for i := 0; i < k; i++ {
		for j := i + 1; j < k; j++ {
			if b := s.Dependence.logOR(i, j); b != 0 {
				pairs = append(pairs, pairEffect{i, j, b})
			}
		}
	}
	for c := range pair {
		for _, p := range pairs {
			if c>>uint(p.i)&1 == 1 && c>>uint(p.j)&1 == 1 {
				pair[c] += p.b
			}
		}
	}
	var comps []component
	if s.Heterogeneity == 0 {
		comps = []component{{w: 1, base: pair}}
	} else {
		x := make([]float64, hermiteNodes)
		w := make([]float64, hermiteNodes)
		quad.Hermite{}.FixedLocations(x, w, math.Inf(-1), math.Inf(1))
		for i := range x {
			eta := math.Sqrt2 * s.Heterogeneity * x[i]
			base := make([]float64, ncell)
			for c := range base {
				base[c] = pair[c] + eta*float64(bits.OnesCount(uint(c)))
			}
			comps = append(comps, component{w: w[i] / math.Sqrt(math.Pi), base: base})
		}
	}
	probs, err := calibrate(k, comps, s.Capture, meanFieldStart(s.Capture, pairs))
	if err != nil {
		return nil, err
	}
	lists := make([]string, k)
	for i := range lists {
		lists[i] = string(rune('A' + i))
	}
	pop, err := NewPopulation(lists, n, probs)
	if err != nil {
		return nil, err
	}
	pop.Name = fmt.Sprintf("structure-%d", k)
	if s.Heterogeneity == 0 {
		pop.Model = modelNotation(k, pairs)
	}
	het := "no heterogeneity"
	if s.Heterogeneity > 0 {
		het = "heterogeneity σ = " + strconv.FormatFloat(s.Heterogeneity, 'g', -1, 64) + " on the logit of capture"
	}
	pop.Description = fmt.Sprintf("%d lists with capture probabilities %s; %s; %s; N = %d, about %.0f observed",
		k, fmtProbs(s.Capture), s.Dependence.Describe(), het, n, pop.ExpectedObserved())
	return pop, nil
}

// WithCapture returns the population with its lists' marginal capture
// probabilities moved to capture, keeping every interaction of the
// population's pattern probabilities (an exponential tilt: each
// probability is multiplied by exp(Σ_j δ_j ω_j) and the δ_j solved for).
// Lists beyond the population's own are added as new lists independent of
// the others, named new1, new2, …. The size is unchanged.
func (p *Population) WithCapture(capture []float64) (*Population, error) {
	k0, k := p.K(), len(capture)
	if k < k0 || k > MaxSimulationLists {
		return nil, fmt.Errorf("%w: %d capture probabilities for a population of %d lists (at most %d)", ErrPopulation, k, k0, MaxSimulationLists)
	}
	for j, q := range capture {
		if !(q > 0 && q < 1) {
			return nil, fmt.Errorf("%w: the capture probability of list %d must be in (0, 1)", ErrPopulation, j+1)
		}
	}
	mask := 1<<uint(k0) - 1
	base := make([]float64, 1<<uint(k))
	for c := range base {
		base[c] = math.Log(p.Probs[c&mask])
	}
	start := make([]float64, k) // the base has the main effects already
	for j := k0; j < k; j++ {
		start[j] = math.Log(capture[j] / (1 - capture[j]))
	}
	probs, err := calibrate(k, []component{{w: 1, base: base}}, capture, start)
	if err != nil {
		return nil, err
	}
	lists := slices.Clone(p.Lists)
	for j := k0; j < k; j++ {
		lists = append(lists, fmt.Sprintf("new%d", j-k0+1))
	}
	out, err := NewPopulation(lists, p.N, probs)
	if err != nil {
		return nil, err
	}
	out.Name = p.Name
	if p.Model != "" {
		if m, err := mse.ParseModel(p.Model, p.Lists); err == nil {
			if mm, err := mse.NewModel(k, m.Generators()); err == nil {
				out.Model = mm.String()
			}
		}
	}
	out.Description = fmt.Sprintf("%s; capture probabilities moved to %s keeping its interactions", p.Description, fmtProbs(capture))
	if k > k0 {
		out.Description += fmt.Sprintf(", with %d new independent lists", k-k0)
	}
	return out, nil
}

// meanFieldStart is a first guess at the main effects: logit q_j less
// the pairs' pull Σ_l b_jl q_l (pairs at −Inf left out).
func meanFieldStart(q []float64, pairs []pairEffect) []float64 {
	a := make([]float64, len(q))
	for j, v := range q {
		a[j] = math.Log(v / (1 - v))
	}
	for _, p := range pairs {
		if math.IsInf(p.b, -1) {
			continue
		}
		a[p.i] -= p.b * q[p.j]
		a[p.j] -= p.b * q[p.i]
	}
	return a
}

// component is one mixture component of a calibrated population:
// P_c(ω) ∝ exp(base[ω] + Σ_j a_j ω_j), with weight w.
type component struct {
	w    float64
	base []float64 // −Inf for a pattern of probability 0
}

// errCalibrate says that capture probabilities cannot be reached.
var errCalibrate = fmt.Errorf("%w: the capture probabilities cannot be reached under this dependence (lists that never overlap leave too little room)", ErrPopulation)

// calibrate solves for the main effects a that give the mixture the
// marginal capture probabilities q, starting from start (nil: logit q),
// and returns the pattern probabilities. The main effects minimise the
// convex function F(a) = Σ_c w_c log Z_c(a) − a·q, whose gradient is the
// mixture's marginals less q and whose Hessian is its average
// within-component covariance of the capture indicators; the minimisation
// is Levenberg–Marquardt (Newton steps on a damped Hessian, the damping
// lowered after a step that decreases F and raised after one that does
// not). When q cannot be reached F has no minimum, and the search stops
// after maxCalibrateIter steps with an error.
func calibrate(k int, comps []component, q, start []float64) ([]float64, error) {
	a := make([]float64, k)
	for j, v := range q {
		a[j] = math.Log(v / (1 - v))
		if start != nil {
			a[j] = start[j]
		}
	}
	ncell := 1 << uint(k)
	probs := make([]float64, ncell)
	pc := make([]float64, ncell)
	m := make([]float64, k)
	mc := make([]float64, k)
	hess := mat.NewSymDense(k, nil)
	e2 := make([]float64, k*k)
	// eval returns F(a) and, with full, fills probs, m and hess at a.
	eval := func(a []float64, full bool) float64 {
		if full {
			clear(probs)
			clear(m)
			hess.Zero()
		}
		var f float64
		for _, cm := range comps {
			mx := math.Inf(-1)
			for c := range pc {
				v := cm.base[c]
				for x := uint(c); x != 0; x &= x - 1 {
					v += a[bits.TrailingZeros(x)]
				}
				pc[c] = v
				mx = max(mx, v)
			}
			var z float64
			for c, v := range pc {
				pc[c] = math.Exp(v - mx)
				z += pc[c]
			}
			f += cm.w * (mx + math.Log(z))
			if !full {
				continue
			}
			clear(mc)
			clear(e2)
			for c, v := range pc {
				v /= z
				probs[c] += cm.w * v
				if v == 0 {
					continue
				}
				for x := uint(c); x != 0; x &= x - 1 {
					i := bits.TrailingZeros(x)
					mc[i] += v
					for y := x; y != 0; y &= y - 1 {
						e2[i*k+bits.TrailingZeros(y)] += v
					}
				}
			}
			for i := 0; i < k; i++ {
				m[i] += cm.w * mc[i]
				for j := i; j < k; j++ {
					hess.SetSym(i, j, hess.At(i, j)+cm.w*(e2[i*k+j]-mc[i]*mc[j]))
				}
			}
		}
		for j := range a {
			f -= a[j] * q[j]
		}
		return f
	}
	worst := func() float64 {
		var w float64
		for j := range m {
			w = max(w, math.Abs(m[j]-q[j])/q[j])
		}
		return w
	}
	const tol = 1e-12
	f := eval(a, true)
	lambda := 1e-6
	try := make([]float64, k)
	prev := make([]float64, k)
	damped := mat.NewSymDense(k, nil)
	var chol mat.Cholesky
	for iter := 0; worst() > tol; iter++ {
		if iter == maxCalibrateIter || !(f > math.Inf(-1)) {
			return nil, errCalibrate
		}
		var scale float64
		for j := 0; j < k; j++ {
			scale = max(scale, hess.At(j, j))
		}
		damped.CopySym(hess)
		for j := 0; j < k; j++ {
			damped.SetSym(j, j, hess.At(j, j)+lambda*max(scale, 1e-300))
		}
		if !chol.Factorize(damped) {
			lambda *= 10
			continue
		}
		g := mat.NewVecDense(k, nil)
		for j := range q {
			g.SetVec(j, q[j]-m[j])
		}
		var delta mat.VecDense
		if err := chol.SolveVecTo(&delta, g); err != nil {
			lambda *= 10
			continue
		}
		for j := range a {
			try[j] = a[j] + delta.AtVec(j)
		}
		ft := eval(try, false)
		if ft > f+1e-12*(1+math.Abs(f)) {
			lambda *= 10
			continue
		}
		// A step within rounding of F is kept when it brings the
		// marginals closer.
		before := worst()
		copy(prev, a)
		copy(a, try)
		fnew := eval(a, true)
		if ft < f || worst() < before {
			f = fnew
			lambda = max(lambda/10, 1e-12)
			continue
		}
		copy(a, prev)
		f = eval(a, true)
		lambda *= 10
	}
	var sum float64
	for _, v := range probs {
		sum += v
	}
	out := make([]float64, ncell)
	for c, v := range probs {
		out[c] = v / sum
	}
	return out, nil
}

// maxCalibrateIter bounds the steps of calibrate.
const maxCalibrateIter = 500
