package rcapture

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"github.com/morketall/morketall/loglinear"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/profile"
	"gonum.org/v1/gonum/mat"
)

// Model names one of the closed-population log-linear models of
// Rcapture's closedp.t (S. Baillargeon and L.-P. Rivest 2007, "Rcapture:
// loglinear models for capture-recapture in R", J. Statist. Software
// 19(5); R package Rcapture 1.4-4), written as the CLI flag --rcapture
// takes it.
//
// For K lists and a capture pattern ω with k = |ω| lists, every model is a
// Poisson log-linear model over the 2^K − 1 observable patterns with an
// intercept (the log of the unobserved cell's mean, so N̂ = n + exp(β̂₀)):
//
//   - M0: one more column, k (all lists equally likely to record a case);
//   - Mt: one indicator per list (SparseMSE's main-effects model);
//   - Mh-…: M0 plus heterogeneity columns in k; Mth-…: Mt plus the same.
//
// The heterogeneity columns are: Chao (a lower bound; L.-P. Rivest and
// S. Baillargeon 2007, Biometrics 63, 999–1006), max(k − j + 1, 0) for
// j = 3 … K, where columns whose coefficient comes out negative are
// dropped one at a time (the first negative one, then refit) as Rcapture
// does with neg = TRUE, a column whose cells are all empty counting as
// negative (its MLE is −∞); Poisson2, 2^k − 1; Darroch, k²/2; Gamma3.5,
// −log(3.5 + k) + log 3.5. Heterogeneity models need K ≥ 3.
//
// Rcapture's behavioural models Mb and Mbh are deliberately not offered:
// they model a change in capture probability after the first capture,
// which needs the capture occasions to be ordered in time. Agency lists
// are not ordered, and the column order of a table is arbitrary, so those
// models (whose estimates change when the lists are permuted) make no
// sense here.
type Model string

// The ten models of closedp.t that make sense for unordered lists, in
// closedp.t's order.
const (
	M0          Model = "M0"
	Mt          Model = "Mt"
	MhChao      Model = "Mh-Chao"
	MhPoisson2  Model = "Mh-Poisson2"
	MhDarroch   Model = "Mh-Darroch"
	MhGamma35   Model = "Mh-Gamma3.5"
	MthChao     Model = "Mth-Chao"
	MthPoisson2 Model = "Mth-Poisson2"
	MthDarroch  Model = "Mth-Darroch"
	MthGamma35  Model = "Mth-Gamma3.5"
)

// Models returns the ten models in closedp.t's order.
func Models() []Model {
	return []Model{
		M0, Mt,
		MhChao, MhPoisson2, MhDarroch, MhGamma35,
		MthChao, MthPoisson2, MthDarroch, MthGamma35,
	}
}

// ErrModel is returned for a model name that is not one of
// Models, and for an invalid custom model.
var ErrModel = errors.New("rcapture: unknown Rcapture model")

// ErrInput is returned when a table cannot be given to the
// Rcapture models at all (too few or too many lists, no cases).
var ErrInput = errors.New("rcapture: invalid table for the Rcapture models")

// MaxLists is the largest number of lists the Rcapture models
// accept: their designs have a row for each of the 2^K − 1 patterns.
const MaxLists = 12

// ParseModel returns the model named s (exactly as in
// Models, e.g. "Mth-Gamma3.5").
func ParseModel(s string) (Model, error) {
	for _, m := range Models() {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("%w %q: want one of %s", ErrModel, s, modelList())
}

func modelList() string {
	var names []string
	for _, m := range Models() {
		names = append(names, string(m))
	}
	return strings.Join(names, ", ")
}

// heterogeneity kinds of the Mh/Mth models.
type rcHet int

const (
	rcHetNone rcHet = iota
	rcHetChao
	rcHetPoisson2
	rcHetDarroch
	rcHetGamma35
)

// spec returns whether the model has one column per list (Mt, Mth) and its
// heterogeneity kind.
func (m Model) spec() (temporal bool, het rcHet, ok bool) {
	switch m {
	case M0:
		return false, rcHetNone, true
	case Mt:
		return true, rcHetNone, true
	case MhChao:
		return false, rcHetChao, true
	case MhPoisson2:
		return false, rcHetPoisson2, true
	case MhDarroch:
		return false, rcHetDarroch, true
	case MhGamma35:
		return false, rcHetGamma35, true
	case MthChao:
		return true, rcHetChao, true
	case MthPoisson2:
		return true, rcHetPoisson2, true
	case MthDarroch:
		return true, rcHetDarroch, true
	case MthGamma35:
		return true, rcHetGamma35, true
	}
	return false, 0, false
}

// Coef is one fitted coefficient, named as Rcapture names it:
// "Intercept", "beta" (M0), "beta1" … "betaK" (one per list), "eta3" …
// (Chao), "tau" (Poisson2, Darroch, Gamma3.5), "lambda1_2" … (two-list
// interactions, lists numbered from 1).
type Coef struct {
	Name     string
	Estimate float64
	StdErr   float64
}

// Result is one fitted Rcapture model, with the numbers closedp.t
// and closedpCI.t print.
//
// When Estimable is false, Reason says why, Estimate, StdErr and Bias are
// 0 and Coef is empty; Deviance, DF, AIC and BIC are those of the
// boundary fit when one converged (so that they can be compared with R,
// which prints a fit in such cases), else 0. No field is ever Inf or NaN.
type Result struct {
	// Model is the model's name: a Model, or for a custom model
	// "Mt + " followed by its interactions, e.g. "Mt + c1:c2 + c3:c5".
	Model string
	// Formula is the custom model as closedpCI.t's mX formula in c1 … cK,
	// e.g. "~ . + c1:c2"; empty for the standard models.
	Formula string
	// Estimable reports whether Estimate is a finite estimate of the
	// population size; otherwise Reason explains why not.
	Estimable bool
	Reason    string
	// Observed is n, the number of cases on at least one list.
	Observed int
	// Estimate is N̂ = n + exp(β̂₀).
	Estimate float64
	// StdErr is sqrt(exp(β̂₀) + exp(2β̂₀) Var(β̂₀)): the delta method plus
	// the Poisson variation of the unseen count, as Rcapture computes it.
	StdErr float64
	// Deviance is the Poisson deviance over all 2^K − 1 observable cells
	// (cells removed for −∞ terms contribute 0).
	Deviance float64
	// DF is 2^K − 1 minus the number of parameters, counting the −∞ terms
	// of a custom model as Rcapture (whose glm fits them as large negative
	// numbers) does.
	DF int
	// AIC is −2 log L + 2p and BIC is AIC + (log n − 2)p, with p the
	// number of parameters counted as for DF and n the number of observed
	// cases (not cells): Rcapture's definitions.
	AIC, BIC float64
	// Bias is Rcapture's asymptotic bias of N̂ (closedp.fitone); a warning
	// is added when |Bias| > 0.1 N̂. For custom models with −∞ terms it is
	// computed on the reduced design, the limit of R's value (they agree
	// to about 3e-4; see Custom).
	Bias float64
	// Coef holds the fitted coefficients, intercept first. Dropped Chao
	// columns and −∞ terms are not included.
	Coef []Coef
	// DroppedEta names the Chao columns dropped because their coefficient
	// was negative or all their cells are empty (Rcapture's neg.eta).
	DroppedEta []string
	// EmptyTerms names the interactions of a custom model whose observed
	// overlap is 0: their parameters are −∞ and the cells under them are
	// removed from the fit.
	EmptyTerms []string
	// LPObjective is the optimum of the Fienberg–Rinaldo existence linear
	// program for the fitted design: 0 means that the maximum-likelihood
	// estimate does not exist.
	LPObjective float64
	// Iter is the number of IRLS iterations of the final fit.
	Iter int
	// Warnings are non-fatal findings (R's "the asymptotic bias is large",
	// more IRLS iterations than R allows, an ill-conditioned fit).
	Warnings []string

	prof *profile.Model // what ProfileInterval needs; nil if not estimable
}

// rcTable holds what every Rcapture fit needs from a table.
type rcTable struct {
	k     int
	n     int
	y     []float64 // counts of cells 1 … 2^K − 1, index = code − 1
	cells []loglinear.Term
}

func newRCTable(t *mse.Table) (*rcTable, error) {
	if t == nil {
		return nil, fmt.Errorf("%w: nil table", ErrInput)
	}
	k := t.K()
	if k < 2 || k > MaxLists {
		return nil, fmt.Errorf("%w: %d lists, need 2 to %d", ErrInput, k, MaxLists)
	}
	if len(t.Covariates) > 0 {
		return nil, mse.UsageError("rcapture: the table has covariates, which these models do not use: drop them (mse.Table.DropCovariates) or use a covariate method")
	}
	counts := t.Cells()
	rt := &rcTable{k: k, cells: loglinear.AllCells(k)}
	rt.y = make([]float64, len(rt.cells))
	for i, c := range rt.cells {
		rt.y[i] = float64(counts[c])
		rt.n += counts[c]
	}
	if rt.n == 0 {
		return nil, fmt.Errorf("%w: no observed cases", ErrInput)
	}
	return rt, nil
}

// FitModel fits one of the ten closedp.t models to the table (strata,
// if any, are summed). It returns an error only for an unknown model or a
// table the models cannot take (fewer than 2 or more than
// MaxLists lists, no cases); a model that cannot give a finite
// estimate on these data is a result with Estimable false and a Reason.
//
// Numbers agree with R's closedp.t (Rcapture 1.4-4) to about 1e-9 where R's
// fit is sound. Where the maximum-likelihood estimate does not exist (the
// existence linear program, loglinear.ExistenceLPDesign, has optimum 0)
// R's glm stops at a boundary point and prints an arbitrary N̂: on the
// artificial 3-list table nobody is on all three lists, and the Mh and Mth
// Poisson2, Darroch and Gamma3.5 fits, which must fit that empty class
// exactly, print N̂ = 96.2, 96.0 and 96.0000000448 (n = 96) with SE 373.7,
// 0.36 and 0.0003. Such a model is reported as not estimable.
func FitModel(t *mse.Table, model Model) (*Result, error) {
	temporal, het, ok := model.spec()
	if !ok {
		return nil, fmt.Errorf("%w %q: want one of %s", ErrModel, string(model), modelList())
	}
	rt, err := newRCTable(t)
	if err != nil {
		return nil, err
	}
	return rt.fitStandard(model, temporal, het), nil
}

// All fits the ten models of Models, as closedp.t does
// (without Mb and Mbh). It fails only when the table cannot be used.
func All(t *mse.Table) ([]*Result, error) {
	rt, err := newRCTable(t)
	if err != nil {
		return nil, err
	}
	out := make([]*Result, 0, 10)
	for _, m := range Models() {
		temporal, het, _ := m.spec()
		out = append(out, rt.fitStandard(m, temporal, het))
	}
	return out, nil
}

// fitStandard builds and fits one closedp.t model.
func (rt *rcTable) fitStandard(model Model, temporal bool, het rcHet) *Result {
	res := &Result{Model: string(model), Observed: rt.n}
	k := rt.k
	if het != rcHetNone && k < 3 {
		res.Reason = "Rcapture fits the heterogeneity models (Mh, Mth) only with 3 or more lists"
		return res
	}
	rows := len(rt.cells)
	names := []string{"Intercept"}
	if temporal {
		for i := 1; i <= k; i++ {
			names = append(names, "beta"+strconv.Itoa(i))
		}
	} else {
		names = append(names, "beta")
	}
	nca := len(names) // columns that do not model heterogeneity
	switch het {
	case rcHetChao:
		for j := 3; j <= k; j++ {
			names = append(names, "eta"+strconv.Itoa(j))
		}
	case rcHetPoisson2, rcHetDarroch, rcHetGamma35:
		names = append(names, "tau")
	}
	x := mat.NewDense(rows, len(names), nil)
	for i, c := range rt.cells {
		nb := float64(c.Size())
		x.Set(i, 0, 1)
		if temporal {
			for l := 0; l < k; l++ {
				if c&(1<<uint(l)) != 0 {
					x.Set(i, 1+l, 1)
				}
			}
		} else {
			x.Set(i, 1, nb)
		}
		switch het {
		case rcHetChao:
			for j := 3; j <= k; j++ {
				x.Set(i, nca+j-3, max(nb-float64(j)+1, 0))
			}
		case rcHetPoisson2:
			x.Set(i, nca, math.Pow(2, nb)-1)
		case rcHetDarroch:
			x.Set(i, nca, nb*nb/2)
		case rcHetGamma35:
			x.Set(i, nca, -math.Log(3.5+nb)+math.Log(3.5))
		}
	}
	etaFrom := -1
	if het == rcHetChao {
		etaFrom = nca
	}
	pm := &profile.Model{X: x, Names: names, Y: rt.y, N: rt.n, EtaFrom: etaFrom}
	fit, cols, warns, err := pm.Fit(rt.y)
	res.Warnings = append(res.Warnings, warns...)
	for _, j := range pm.Dropped(cols) {
		res.DroppedEta = append(res.DroppedEta, names[j])
	}
	final := pm.Design(cols)
	fnames := make([]string, len(cols))
	for i, j := range cols {
		fnames[i] = names[j]
	}
	if err != nil && errors.Is(err, loglinear.ErrDiverged) {
		res.Reason = "the fit diverged: no finite deviance could be reached"
		return res
	}
	res.finish(final, fnames, rt.y, fit, 0, false, pm)
	return res
}

// finish fills the result from a fit of design d (intercept first) to y.
// extra counts −∞ parameters that R's glm would also have fitted. When
// checked is true, existence was already established (r.LPObjective > 0).
func (r *Result) finish(d *loglinear.Design, names []string, y []float64, fit *loglinear.Fit, extra int, checked bool, pm *profile.Model) {
	rows, p := d.Dims()
	cellsAll := rows
	if pm != nil && pm.AllCells > 0 {
		cellsAll = pm.AllCells
	}
	params := p + extra
	r.Iter = fit.Iter
	stats := func() {
		r.Deviance = fit.Deviance
		r.DF = cellsAll - params
		r.AIC = -2*fit.LogLik + 2*float64(params)
		r.BIC = r.AIC + (math.Log(float64(r.Observed))-2)*float64(params)
	}
	s, err := r.LPObjective, error(nil)
	if !checked {
		s, err = loglinear.ExistenceLPDesign(d, y)
		if err != nil {
			r.Warnings = append(r.Warnings, "the existence of the maximum-likelihood estimate could not be checked: "+err.Error())
		} else {
			r.LPObjective = s
		}
	}
	if err == nil && s <= loglinear.LPZeroTol {
		r.Reason = "the maximum-likelihood estimate does not exist: no table with positive counts has this model's " +
			"observed sufficient statistics (existence linear program optimum 0), so some coefficients run to ±∞ " +
			"and a fit stops at a boundary point that depends on its convergence test"
		if fit.Status == loglinear.Converged || fit.Status == loglinear.NearSingular && fit.Cov != nil {
			stats()
		}
		return
	}
	if fit.Cov == nil {
		r.Reason = "the model is not identifiable on these data: its information matrix is singular"
		return
	}
	if fit.Status == loglinear.NotConverged {
		r.Reason = fmt.Sprintf("the fit did not converge in %d IRLS iterations", fit.Iter)
		return
	}
	if fit.Status == loglinear.NearSingular {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the information matrix is ill-conditioned (condition number %.3g)", fit.Cond))
	}
	if fit.Iter > loglinear.DefaultMaxIter {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the fit needed %d IRLS iterations; R's glm stops at %d and warns that it did not converge",
			fit.Iter, loglinear.DefaultMaxIter))
	}
	dark := math.Exp(fit.Coef[0])
	est := float64(r.Observed) + dark
	se := math.Sqrt(dark + dark*dark*fit.Cov.At(0, 0))
	bias := rcBias(d, fit)
	if !allFinite(est, se, bias, fit.Deviance, fit.LogLik) {
		r.Reason = "the estimate or its standard error is not a finite number"
		return
	}
	stats()
	r.Estimable = true
	r.Estimate, r.StdErr, r.Bias = est, se, bias
	if math.Abs(bias) > 0.1*est {
		r.Warnings = append(r.Warnings, "the asymptotic bias is large")
	}
	r.Coef = make([]Coef, p)
	for j := range r.Coef {
		r.Coef[j] = Coef{Name: names[j], Estimate: fit.Coef[j], StdErr: fit.StdErr[j]}
	}
	r.prof = pm
}

// rcBias is Rcapture's asymptotic bias of N̂ (closedp.fitone): with V the
// inverse information, ξ_ω = −½ x_ωᵀ V x_ω, ψ = −2 Xᵀ diag(μ̂) ξ − e₁ and
// bias = ½ exp(β̂₀) (−V ψ)₀.
func rcBias(d *loglinear.Design, fit *loglinear.Fit) float64 {
	rows, p := d.Dims()
	v := fit.Cov
	psi := make([]float64, p)
	xv := make([]float64, p)
	for i := 0; i < rows; i++ {
		var q float64
		for a := 0; a < p; a++ {
			var s float64
			for b := 0; b < p; b++ {
				s += v.At(a, b) * d.At(i, b)
			}
			xv[a] = s
			q += d.At(i, a) * s
		}
		xi := -0.5 * q
		for a := 0; a < p; a++ {
			psi[a] += -2 * d.At(i, a) * fit.Fitted[i] * xi
		}
	}
	psi[0]--
	var vec0 float64
	for b := 0; b < p; b++ {
		vec0 -= v.At(0, b) * psi[b]
	}
	return 0.5 * math.Exp(fit.Coef[0]) * vec0
}

// ProfileInterval computes closedpCI.t's profile-likelihood interval for
// this model (see profile.Interval). For the Chao models the negative-eta
// rule is applied again at every N, from all the eta columns, as
// closedpCI.t does. It fails with profile.ErrInterval when the model is
// not estimable.
func (r *Result) ProfileInterval(opts *profile.Options) (*profile.CI, error) {
	if r == nil || !r.Estimable || r.prof == nil {
		reason := "no fit"
		if r != nil {
			reason = r.Reason
		}
		return nil, fmt.Errorf("%w: the model is not estimable: %s", profile.ErrInterval, reason)
	}
	return r.prof.Interval(r.Estimate, opts)
}

func allFinite(v ...float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// Custom fits Rcapture's model "Mt + the given two-list
// interactions", which closedpCI.t writes as the formula
// ~ . + c1:c2 + … (pairs are 0-based list indices, in any order; each
// pair at most once). With every pair this is closedpCI.t(mX = ~ .^2).
//
// Interactions whose observed overlap is 0 have MLE −∞. R's glm pushes them
// towards −∞ until its convergence test stops it (warning "fitted rates
// numerically 0 occurred"); here they are set to −∞ exactly: the cells
// under them are removed and the rest is fitted (the SparseMSE and MSE-R
// rule, loglinear.Reduce). N̂, the deviance and AIC are the limits that R's
// numbers approximate (they agree to about 1e-8), and DF, AIC and BIC
// count the −∞ parameters as R does. Standard errors and the bias are the
// limits too; R's, from a glm stopped with those coefficients near −18,
// differ from them by up to 2e-5 and 3e-4 (SparseMSE's cell-removal fit
// agrees with our SEs to 1e-11). The model is reported as not
// estimable when the reduced model fails the existence or identifiability
// check (loglinear.CheckModel), e.g. all pairs on the artificial 3-list
// table, where R prints N̂ = 5.3e13.
func Custom(t *mse.Table, pairs [][2]int) (*Result, error) {
	rt, err := newRCTable(t)
	if err != nil {
		return nil, err
	}
	k := rt.k
	terms := []loglinear.Term{0}
	for l := 0; l < k; l++ {
		terms = append(terms, loglinear.Term(1)<<uint(l))
	}
	seen := map[loglinear.Term]bool{}
	label := []string{"Mt"}
	formula := "~ ."
	for _, pr := range pairs {
		i, j := min(pr[0], pr[1]), max(pr[0], pr[1])
		if i < 0 || j >= k || i == j {
			return nil, fmt.Errorf("%w: pair (%d, %d) is not two distinct lists among 0 … %d", ErrModel, pr[0], pr[1], k-1)
		}
		tm := loglinear.Term(1)<<uint(i) | loglinear.Term(1)<<uint(j)
		if seen[tm] {
			return nil, fmt.Errorf("%w: pair (%d, %d) given twice", ErrModel, pr[0], pr[1])
		}
		seen[tm] = true
		terms = append(terms, tm)
		c := fmt.Sprintf("c%d:c%d", pr[0]+1, pr[1]+1)
		label = append(label, c)
		formula += " + " + c
	}
	res := &Result{Model: strings.Join(label, " + "), Formula: formula, Observed: rt.n}

	ycode := make([]float64, 1<<uint(k))
	for i, c := range rt.cells {
		ycode[c] = rt.y[i]
	}
	ch, err := loglinear.CheckModel(k, terms, ycode)
	if err != nil {
		return nil, err
	}
	for _, e := range ch.EmptyTerms {
		res.EmptyTerms = append(res.EmptyTerms, rcTermName(e))
	}
	names := make([]string, len(ch.KeptTerms))
	for i, tm := range ch.KeptTerms {
		names[i] = rcTermName(tm)
	}
	d := loglinear.HierarchicalDesign(ch.KeptCells, ch.KeptTerms)
	y := make([]float64, len(ch.KeptCells))
	for i, c := range ch.KeptCells {
		y[i] = ycode[c]
	}
	res.LPObjective = ch.LPObjective
	if ch.Code != loglinear.CodeOK {
		res.Reason = rcCheckReason(ch, names)
		return res, nil
	}
	pm := &profile.Model{X: d.Matrix(), Names: names, Y: y, N: rt.n, EtaFrom: -1, AllCells: len(rt.cells)}
	fit, _, warns, err := pm.Fit(y)
	res.Warnings = append(res.Warnings, warns...)
	if err != nil && errors.Is(err, loglinear.ErrDiverged) {
		res.Reason = "the fit diverged: no finite deviance could be reached"
		return res, nil
	}
	res.finish(d, names, y, fit, len(ch.EmptyTerms), true, pm)
	return res, nil
}

// rcTermName names a term as Rcapture names the columns of a formula
// design: "Intercept", "beta3", "lambda1_2" (lists from 1).
func rcTermName(t loglinear.Term) string {
	switch t.Size() {
	case 0:
		return "Intercept"
	case 1:
		return "beta" + strconv.Itoa(bits.TrailingZeros32(uint32(t))+1)
	}
	var parts []string
	for _, f := range t.Factors() {
		parts = append(parts, strconv.Itoa(f+1))
	}
	return "lambda" + strings.Join(parts, "_")
}

func rcCheckReason(ch *loglinear.Check, names []string) string {
	var empty []string
	for _, e := range ch.EmptyTerms {
		empty = append(empty, rcTermName(e))
	}
	switch ch.Code {
	case loglinear.CodeNoMLE:
		return "the extended maximum-likelihood estimate does not exist (existence linear program optimum 0)"
	case loglinear.CodeNotIdentified:
		return fmt.Sprintf("the model is not identifiable: with the empty-overlap terms %s at −∞, the %d remaining cells cannot identify its %d other parameters (rank deficiency %d)",
			strings.Join(empty, ", "), len(ch.KeptCells), len(names), ch.RankDeficiency)
	default:
		return fmt.Sprintf("the extended maximum-likelihood estimate does not exist and the model is not identifiable (empty-overlap terms %s; rank deficiency %d)",
			strings.Join(empty, ", "), ch.RankDeficiency)
	}
}
