package report

import (
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/morketall/morketall/internal/disclosure"
	"github.com/morketall/morketall/mse"
)

// maxUpsetPatterns is how many capture patterns the overlap plot shows.
const maxUpsetPatterns = 30

// cell is one table cell. Class "count" marks a count of people or
// records (rounded in a published report), "est" an estimate, "suppressed"
// a value withheld by disclosure control.
type cell struct {
	Text  string
	Class string
}

// table is one HTML table.
type table struct {
	ID      string
	Caption string
	Head    []string
	Rows    [][]cell
	Foot    [][]cell
}

type headline struct {
	Estimated  bool
	NoEstimate string // "not estimable", "not converged"
	Reason     string
	Observed   string
	Estimate   string
	Dark       string
	I95, I80   string // "8 – 23", "at least 8"
	Sentence   string // the intervals in a sentence
	Kind95     string
	Kind80     string
	Method     string
	K          int
	Conditions string // caveat on the interval, or ""
	Open       bool   // an upper limit is open
}

type view struct {
	Title     string
	Publish   bool
	Version   string
	Generated string
	Head      headline
	ListNames []string

	ListsTable *table
	ListsPlot  template.HTML
	ListsNote  string

	UpSet        template.HTML
	UpSetHidden  string
	OverlapTable *table
	DegreePlot   template.HTML
	DegreeTable  *table
	OverlapNote  string

	ModelsTable *table
	ModelsPlot  template.HTML
	ModelsNote  string

	Compare     *compareView
	Assumptions *assumptionsView

	Boot      bool
	BootPlot  template.HTML
	BootTable *table
	BootText  string
	BootNote  string

	Post          bool
	PostAgree     bool
	PostVerdict   string
	PostHist      template.HTML
	PostHistNote  string
	PostTable     *table
	PostClasses   *table
	PostTrace     template.HTML
	PostTraceNote string
	PostNote      string

	StrataTable *table
	StrataPlot  template.HTML
	StrataNote  string

	Groups groupsView // estimates by group (covariates)

	LinkErr      *table
	LinkErrNote  string
	Link         bool
	LinkSummary  [][2]string
	LinkLists    *table
	LinkKeys     *table
	LinkRules    *table
	LinkPlot     template.HTML
	LinkNote     string
	LinkSensNote string

	Fit      [][2]string
	Warnings []string
	Sources  []Source
}

type builder struct {
	in  *Input
	pub bool
	r   *mse.Result
	t   *mse.Table // collapsed table, or nil
	v   *view
}

func build(in *Input, o Options) (*view, error) {
	b := &builder{in: in, pub: o.Publish, r: in.Result}
	if in.Table != nil {
		b.t = in.Table.Collapse()
		if !slices.Equal(b.t.Lists, b.r.Lists) || b.t.N() != b.r.Observed {
			return nil, fmt.Errorf("%w: lists or observed count differ", ErrMismatch)
		}
	}
	title := in.Title
	if title == "" {
		title = "Hidden victims of human trafficking: an estimate"
	}
	b.v = &view{Title: title, Publish: b.pub, Version: in.Version, Sources: in.Sources, ListNames: b.r.Lists}
	if b.pub {
		// A digest of an exact input (the overlap table) would undo the
		// disclosure control: the few tables that round to the published
		// counts can be tried against it. The published report names its
		// inputs only.
		b.v.Sources = nil
		for _, s := range in.Sources {
			b.v.Sources = append(b.v.Sources, Source{Role: s.Role, Name: s.Name})
		}
	}
	if !in.Generated.IsZero() {
		b.v.Generated = in.Generated.UTC().Format("2006-01-02 15:04 UTC")
	}
	steps := []func() error{b.headline, b.lists, b.overlaps, b.models, b.comparison, b.bootstrap, b.posterior, b.assumptions, b.strata, b.groups, b.linkage, b.linkErrors, b.method}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, err
		}
	}
	return b.v, nil
}

// --- number formatting under the disclosure policy ---

// fmtInt writes an integer with thousands separators.
func fmtInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// est formats an estimate: to the person internally, rounded when
// publishing.
func (b *builder) est(x float64) string {
	if b.pub {
		x = disclosure.RoundEstimate(x)
	}
	return fmtInt(int(math.Round(x)))
}

func (b *builder) estCell(x float64) cell { return cell{b.est(x), "est"} }

// count formats a lone count (one without a total in its table).
func (b *builder) count(n int) cell {
	if b.pub {
		n = disclosure.Round(n)
	}
	return cell{fmtInt(n), "count"}
}

// countColumn formats a column of counts and their total, with
// controlled rounding when publishing.
func (b *builder) countColumn(ns []int) ([]cell, cell) {
	total := 0
	for _, n := range ns {
		total += n
	}
	out := make([]cell, len(ns))
	if b.pub {
		r, t := disclosure.ControlledRound(ns)
		for i := range r {
			out[i] = cell{fmtInt(r[i]), "count"}
		}
		return out, cell{fmtInt(t), "count"}
	}
	for i, n := range ns {
		out[i] = cell{fmtInt(n), "count"}
	}
	return out, cell{fmtInt(total), "count"}
}

func text(s string) cell { return cell{s, ""} }

// --- intervals ---

// intervalKind describes an interval method in words.
func intervalKind(method string, conditional bool) string {
	switch method {
	case "bca":
		return "bias-corrected and accelerated (BCa) bootstrap; the method was run again in every replicate, so the interval includes the uncertainty of choosing the model"
	case "percentile":
		return "percentile bootstrap; the method was run again in every replicate"
	case "profile":
		return "profile likelihood, conditional on the chosen model"
	case "conditional":
		return "log-normal, conditional on the chosen model"
	case "posterior":
		return "the central credible interval of the posterior distribution"
	}
	if conditional {
		return method + ", conditional on the chosen model"
	}
	return method
}

// limits writes an interval for a table cell or the headline: "8 – 23",
// "at least 8 (no upper limit)", or "at most 23".
func (b *builder) limits(p mse.Pair) string {
	lo, hi := p.Lower.Value, p.Upper.Value
	switch {
	case lo != nil && hi != nil:
		return b.est(*lo) + " – " + b.est(*hi)
	case lo != nil:
		return "at least " + b.est(*lo) + " (no upper limit)"
	case hi != nil:
		return "at most " + b.est(*hi)
	}
	return "–"
}

// sentence says what an interval means.
func (b *builder) sentence(p mse.Pair) string {
	lo, hi := p.Lower.Value, p.Upper.Value
	level := fmt.Sprintf("%g%%", math.Round(p.Level*1000)/10)
	switch {
	case lo != nil && hi != nil:
		return fmt.Sprintf("between %s and %s with %s confidence", b.est(*lo), b.est(*hi), level)
	case lo != nil:
		return fmt.Sprintf("at least %s with %s confidence; the data cannot bound it above", b.est(*lo), level)
	case hi != nil:
		return fmt.Sprintf("at most %s with %s confidence", b.est(*hi), level)
	}
	return ""
}

// bounds returns a pair's limits for a plot (ok false when a limit is
// open).
func bounds(p mse.Pair) (lo, hi float64, ok bool) {
	if p.Lower.Value == nil || p.Upper.Value == nil {
		return 0, 0, false
	}
	return *p.Lower.Value, *p.Upper.Value, true
}

func (b *builder) methodText() string {
	r := b.r
	k := len(r.Lists)
	switch {
	case r.Method == "stepwise":
		return fmt.Sprintf("a log-linear model for the %d lists, chosen by stepwise selection (the rule of the R package SparseMSE)", k)
	case r.Method == "bic":
		return fmt.Sprintf("the log-linear model for the %d lists with the lowest BIC among all hierarchical models considered (the rule of the R package MSE-R)", k)
	case r.Method == "aic":
		return fmt.Sprintf("the log-linear model for the %d lists with the lowest AIC among all hierarchical models considered", k)
	case r.Method == "main":
		return fmt.Sprintf("the independence model for the %d lists, which assumes that being on one list says nothing about being on another", k)
	case r.Method == "fixed":
		return fmt.Sprintf("a log-linear model for the %d lists fixed in advance by the analyst", k)
	case r.Method == "stratified":
		return fmt.Sprintf("separate log-linear models for each stratum (see the strata section), for the %d lists, whose estimates are added up", k)
	case r.Covariates != nil:
		return fmt.Sprintf("a log-linear model for the %d lists and the covariates %s (method %s), in which the lists' capture probabilities may differ by group while their dependence is shared", k, strings.Join(r.Covariates.Names, ", "), r.Method)
	case strings.HasPrefix(r.Method, "rcapture"):
		return fmt.Sprintf("the closed-population model %s of the R package Rcapture, for %d lists", strings.TrimPrefix(strings.TrimPrefix(r.Method, "rcapture"), ":"), k)
	case r.Posterior != nil || r.Diagnostics != nil:
		return fmt.Sprintf("the Bayesian method %s for the %d lists, explored by Markov chains; the estimate is the median of the posterior distribution (see the posterior section)", r.Method, k)
	}
	return r.Method
}

// --- sections ---

func (b *builder) headline() error {
	r := b.r
	h := headline{Estimated: r.Estimated(), Reason: r.Reason, K: len(r.Lists), Method: b.methodText(), NoEstimate: "not estimable"}
	if r.Status == mse.StatusNotConverged {
		h.NoEstimate = "not converged"
	}
	obs := r.Observed
	if b.pub {
		obs = disclosure.Round(obs)
	}
	h.Observed = fmtInt(obs)
	if !h.Estimated {
		b.v.Head = h
		return nil
	}
	h.Estimate = b.est(*r.Estimate)
	h.Dark = b.est(*r.DarkFigure)
	if b.pub {
		// The dark figure from the published numbers, so they add up.
		h.Dark = fmtInt(int(disclosure.RoundEstimate(*r.Estimate)) - obs)
	}
	var parts []string
	for i, level := range []float64{0.95, 0.8} {
		p, ok := r.Intervals.Level(level)
		if !ok {
			continue
		}
		if p.Conditional() && h.Conditions == "" {
			h.Conditions = "This interval is conditional on the chosen model: it leaves out the uncertainty of choosing the model, so the true uncertainty is larger. The bootstrap (--interval bca) gives an interval that includes it."
		}
		if p.Upper.Value == nil {
			h.Open = true
		}
		parts = append(parts, b.sentence(p))
		if i == 0 {
			h.I95, h.Kind95 = b.limits(p), intervalKind(p.Method, p.Conditional())
		} else {
			h.I80, h.Kind80 = b.limits(p), intervalKind(p.Method, p.Conditional())
		}
	}
	if len(parts) > 0 {
		h.Sentence = "The total is " + strings.Join(parts, ", and ") + "."
	}
	b.v.Head = h
	return nil
}

// listSizes returns the number of distinct people on each list, from the
// table or else from the linkage report.
func (b *builder) listSizes() []int {
	if b.t != nil {
		return b.t.ListTotals()
	}
	if lr := b.in.Linkage; lr != nil && slices.Equal(lr.ListNames(), b.r.Lists) {
		for _, rule := range lr.Rules {
			if rule.Rule == lr.Rule && len(rule.PairOverlaps) == len(b.r.Lists) {
				out := make([]int, len(b.r.Lists))
				for i := range out {
					out[i] = rule.PairOverlaps[i][i]
				}
				return out
			}
		}
	}
	return nil
}

func (b *builder) lists() error {
	sizes := b.listSizes()
	if sizes == nil {
		b.v.ListsNote = "List sizes need the overlap table or the linkage report: give them with --table or --linkage."
		return nil
	}
	t := &table{ID: "lists-table", Caption: "People on each list", Head: []string{"#", "list", "people on the list"}}
	var only []int
	if !b.pub && b.t != nil {
		t.Head = append(t.Head, "seen by this list only")
		cells := b.t.Cells()
		for i := range b.r.Lists {
			only = append(only, cells[1<<uint(i)])
		}
	}
	var names []string
	var vals []float64
	var labels []string
	for i, name := range b.r.Lists {
		row := []cell{text(strconv.Itoa(i + 1)), text(name)}
		n := sizes[i]
		switch {
		case b.pub && disclosure.Small(n):
			row = append(row, cell{"fewer than 3", "suppressed"})
		default:
			c := b.count(n)
			row = append(row, c)
			names = append(names, name)
			v, _ := strconv.Atoi(strings.ReplaceAll(c.Text, ",", ""))
			vals = append(vals, float64(v))
			labels = append(labels, c.Text)
		}
		if only != nil {
			row = append(row, b.count(only[i]))
		}
		t.Rows = append(t.Rows, row)
	}
	b.v.ListsTable = t
	if len(vals) > 0 {
		p, err := hbarPlot("People on each list", "people", names, vals, labels)
		if err != nil {
			return err
		}
		b.v.ListsPlot = p
	}
	if b.pub {
		b.v.ListsNote = "Counts are rounded to multiples of 3 and lists with fewer than 3 people are not shown (disclosure control)."
	}
	return nil
}

func (b *builder) overlaps() error {
	// The number of lists each person is on: from the table, or the
	// linkage report.
	var degree []int
	switch {
	case b.t != nil:
		degree = make([]int, b.t.K())
		for p, n := range b.t.Cells() {
			if p > 0 {
				degree[mse.Pattern(p).Size()-1] += n
			}
		}
	case b.in.Linkage != nil:
		for _, rule := range b.in.Linkage.Rules {
			if rule.Rule == b.in.Linkage.Rule {
				for _, sc := range rule.ListsPerPerson {
					for len(degree) < sc.Size {
						degree = append(degree, 0)
					}
					if sc.Size >= 1 {
						degree[sc.Size-1] += sc.Persons
					}
				}
			}
		}
	}
	for len(degree) > 1 && degree[len(degree)-1] == 0 {
		degree = degree[:len(degree)-1]
	}
	if degree == nil {
		b.v.OverlapNote = "The overlaps need the overlap table or the linkage report: give them with --table or --linkage."
		return nil
	}
	cells, total := b.countColumn(degree)
	t := &table{ID: "degree-table", Caption: "People by the number of lists they are on", Head: []string{"on how many lists", "people"}}
	names := make([]string, len(degree))
	vals := make([]float64, len(degree))
	labels := make([]string, len(degree))
	for i := range degree {
		names[i] = strconv.Itoa(i + 1)
		t.Rows = append(t.Rows, []cell{text(names[i]), cells[i]})
		v, _ := strconv.Atoi(strings.ReplaceAll(cells[i].Text, ",", ""))
		vals[i], labels[i] = float64(v), cells[i].Text
	}
	t.Foot = [][]cell{{text("all"), total}}
	b.v.DegreeTable = t
	p, err := barPlot("People by the number of lists they are on", "number of lists", "people", names, vals, labels)
	if err != nil {
		return err
	}
	b.v.DegreePlot = p
	if b.pub {
		b.v.OverlapNote = "The overlap table (how many people each combination of lists holds) is not published: its small cells could identify people. Counts are rounded to multiples of 3."
		return nil
	}
	if b.t == nil {
		return nil
	}
	up, hidden, err := upsetPlot(b.t, maxUpsetPatterns)
	if err != nil {
		return err
	}
	b.v.UpSet = up
	if hidden > 0 {
		b.v.UpSetHidden = fmt.Sprintf("The %d largest combinations are shown; %s more people are in smaller combinations (see the overlap table).", maxUpsetPatterns, fmtInt(hidden))
	}
	ot := &table{ID: "overlap-table", Caption: "Overlap table: people by combination of lists (1 = on the list)", Head: append(slices.Clone(b.t.Lists), "people")}
	cellsAll := b.t.Cells()
	for p, n := range cellsAll {
		if p == 0 || n == 0 {
			continue
		}
		var row []cell
		for i := range b.t.Lists {
			if mse.Pattern(p).Has(i) {
				row = append(row, text("1"))
			} else {
				row = append(row, text("0"))
			}
		}
		row = append(row, cell{fmtInt(n), "count"})
		ot.Rows = append(ot.Rows, row)
	}
	b.v.OverlapTable = ot
	return nil
}

func (b *builder) models() error {
	r := b.r
	if len(r.TopModels) == 0 {
		b.v.ModelsNote = "The estimate lists no alternative models."
		return nil
	}
	sel := ""
	if r.Model != nil {
		sel = r.Model.Notation
	}
	t := &table{ID: "models-table", Caption: "The best models and their estimates",
		Head: []string{"rank", "model", "terms", "BIC", "AIC", "estimate", "95% interval (conditional)"}}
	var rows []forestRow
	anyCI := false
	for i, m := range r.TopModels {
		if i == 10 {
			break
		}
		label := m.Notation
		if m.Notation == sel {
			label += " (chosen)"
		}
		ci := text("–")
		fr := forestRow{Label: fmt.Sprintf("#%d %s", m.Rank, m.Notation), Est: m.Estimate, Highlight: m.Notation == sel}
		if c := m.Conditional95; len(c) == 2 {
			ci = cell{b.est(c[0]) + " – " + b.est(c[1]), "est"}
			fr.Lo, fr.Hi, fr.HasCI = c[0], c[1], true
			anyCI = true
		}
		named := m.Named
		if named == "" {
			named = m.Notation
		}
		t.Rows = append(t.Rows, []cell{text(strconv.Itoa(m.Rank)), text(label), text(named),
			text(fmt.Sprintf("%.2f", m.BIC)), text(fmt.Sprintf("%.2f", m.AIC)), b.estCell(m.Estimate), ci})
		if b.pub {
			fr.Est = disclosure.RoundEstimate(fr.Est)
		}
		rows = append(rows, fr)
	}
	b.v.ModelsTable = t
	p, err := forestPlot("Estimates of the best models", "estimated total (people)", rows, float64(r.Observed))
	if err != nil {
		return err
	}
	b.v.ModelsPlot = p
	notes := []string{"Models are written in the hierarchical notation: [12,34] means that lists 1 and 2, and lists 3 and 4, are allowed to depend on each other; the numbers are those of the list table."}
	if !anyCI {
		notes = append(notes, "The estimate gives no model-conditional intervals for these models.")
	}
	b.v.ModelsNote = strings.Join(notes, " ")
	return nil
}

func (b *builder) bootstrap() error {
	bs := b.r.Bootstrap
	if bs == nil || len(bs.Replicates) == 0 {
		b.v.BootNote = "This estimate has no bootstrap. The bootstrap repeats the whole analysis, model choice included, on many resampled tables; its interval is the honest one. Run the estimate with --interval bca to include it."
		return nil
	}
	b.v.Boot = true
	var limits []float64
	if p, ok := b.r.Intervals.Level(0.95); ok && (p.Method == "bca" || p.Method == "percentile") {
		if lo, hi, ok := bounds(p); ok {
			limits = []float64{lo, hi}
		}
	}
	vals := slices.Clone(bs.Replicates)
	est := 0.0
	if b.r.Estimate != nil {
		est = *b.r.Estimate
	}
	p, err := histPlot("Bootstrap distribution of the estimate", "estimated total (people)", vals, est, limits)
	if err != nil {
		return err
	}
	b.v.BootPlot = p
	b.v.BootText = fmt.Sprintf("%s bootstrap replicates (seed %d, resampling %s); %d could not be estimated and are left out. BCa acceleration %.4f, bias correction %.4f.",
		fmtInt(bs.NBoot), bs.Seed, bs.Scheme, bs.NotEstimable, bs.Acceleration, bs.BiasCorrection)
	if len(bs.ModelFrequency) > 0 {
		t := &table{ID: "model-frequency", Caption: "How often each model was chosen in the bootstrap", Head: []string{"model", "replicates", "share"}}
		total := 0
		for _, m := range bs.ModelFrequency {
			total += m.Count
		}
		for i, m := range bs.ModelFrequency {
			if i == 10 {
				t.Foot = append(t.Foot, []cell{text(fmt.Sprintf("%d other models", len(bs.ModelFrequency)-10)), text(""), text("")})
				break
			}
			t.Rows = append(t.Rows, []cell{text(m.Notation), text(fmtInt(m.Count)), text(fmt.Sprintf("%.0f%%", 100*float64(m.Count)/float64(max(total, 1))))})
		}
		b.v.BootTable = t
	}
	return nil
}

// posterior shows a Bayesian method's posterior of N, its chains' traces
// and whether they agree, in plain words. It computes nothing: the
// quantiles, the diagnostics and the thinned traces are the result's.
func (b *builder) posterior() error {
	r := b.r
	d, p := r.Diagnostics, r.Posterior
	if d == nil && p == nil {
		b.v.PostNote = "This estimate does not come from a Bayesian method, so there is no posterior distribution to show. The latent-class method (--method latent-class) gives one, from several Markov chains whose agreement is checked."
		return nil
	}
	b.v.Post = true
	if d != nil {
		b.v.PostAgree = r.Estimated()
		b.v.PostVerdict = b.verdict(d)
		if len(d.Traces) > 0 {
			tp, err := tracePlot("Trace of the total in each chain", d.Traces)
			if err != nil {
				return err
			}
			b.v.PostTrace = tp
			b.v.PostTraceNote = "Each line is one chain: the total it visited, draw by draw after its burn-in (thinned for the plot). Chains that agree overlap like one band; a chain that stays apart from the others, or drifts, means the chains have not converged."
		}
	}
	if p == nil {
		return nil
	}
	var limits []float64
	if pr, ok := r.Intervals.Level(0.95); ok {
		if lo, hi, ok := bounds(pr); ok {
			limits = []float64{lo, hi}
		}
	}
	if len(p.Draws) == 0 && len(p.Distribution) > 0 {
		dp, err := distPlot("Posterior distribution of the total", p.Distribution, p.Median, limits)
		if err != nil {
			return err
		}
		b.v.PostHist = dp
		b.v.PostHistNote = "The curve is the posterior probability of each total; the orange line is the median, the estimate, and the dashed lines the limits of the 95% credible interval: the total lies between them with 95% probability under the model."
	}
	if len(p.Draws) > 0 {
		hp, err := histPlotY("Posterior distribution of the total", "total (people)", "draws", p.Draws, p.Median, limits)
		if err != nil {
			return err
		}
		b.v.PostHist = hp
		b.v.PostHistNote = fmt.Sprintf("The bars are %s draws from the posterior of the total (all chains pooled); the orange line is the median, the estimate, and the dashed lines the limits of the 95%% credible interval: the total lies between them with 95%% probability under the model.", fmtInt(len(p.Draws)))
	}
	t := &table{ID: "posterior-table", Caption: "The posterior of the total", Head: []string{"summary", "total"}}
	add := func(name string, x float64) { t.Rows = append(t.Rows, []cell{text(name), b.estCell(x)}) }
	add("median (the estimate)", p.Median)
	add("mean", p.Mean)
	add("mode (most likely value)", p.Mode)
	for _, q := range sortedKeys(p.Quantiles) {
		v, _ := strconv.ParseFloat(q, 64)
		if v == 0.5 {
			continue // the median, above
		}
		add(fmt.Sprintf("%g%% quantile", 100*v), p.Quantiles[q])
	}
	b.v.PostTable = t
	if len(p.Classes) > 0 {
		ct := &table{ID: "posterior-classes", Caption: "How many groups of people the model sees", Head: []string{"latent classes occupied", "posterior probability"}}
		for _, c := range p.Classes {
			share := fmt.Sprintf("%.1f%%", 100*c.Share)
			if c.Share > 0 && c.Share < 0.0005 {
				share = "below 0.1%"
			}
			ct.Rows = append(ct.Rows, []cell{text(strconv.Itoa(c.Classes)), text(share)})
		}
		b.v.PostClasses = ct
	}
	return nil
}

// verdict says in plain words whether the chains agree.
func (b *builder) verdict(d *mse.Diagnostics) string {
	ess := fmt.Sprintf("their %s draws are worth about %s independent ones in the middle of the distribution and %s in its tails (effective sample sizes)",
		fmtInt(d.Chains*int(d.Other["draws_per_chain"])), fmtInt(int(math.Round(d.ESSBulk))), fmtInt(int(math.Round(d.ESSTail))))
	if d.Other["draws_per_chain"] == 0 {
		ess = fmt.Sprintf("their draws are worth about %s independent ones in the middle of the distribution and %s in its tails (effective sample sizes)",
			fmtInt(int(math.Round(d.ESSBulk))), fmtInt(int(math.Round(d.ESSTail))))
	}
	if b.r.Estimated() {
		return fmt.Sprintf("The %d chains agree: R̂ is %.3f (1 means perfect agreement; below 1.01 is required) and %s.", d.Chains, d.RHat, ess)
	}
	if ll, ok := d.Other["rhat_loglik"]; b.r.Status == mse.StatusNotConverged && d.RHat < 1.01 && (!ok || ll < 1.01) {
		return fmt.Sprintf("The %d chains agree (R̂ is %.3f), but %s: too few to pin the total down, so the estimate is not reported. Longer chains (--iter, --thin) or more chains (--chains) will give more.", d.Chains, d.RHat, ess)
	}
	if b.r.Status == mse.StatusNotConverged {
		return fmt.Sprintf("The %d chains disagree, so the estimate is not reported: R̂ is %.3f (below 1.01 is required) and %s. Longer chains (--burnin, --iter) or more chains (--chains) may resolve it; chains that keep settling on different totals mean that the data support more than one answer under this model.", d.Chains, d.RHat, ess)
	}
	return fmt.Sprintf("The %d chains give no estimate: %s.", d.Chains, b.r.Reason)
}

// sortedKeys returns the quantile keys of a posterior in numeric order.
func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		x, _ := strconv.ParseFloat(a, 64)
		y, _ := strconv.ParseFloat(b, 64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return strings.Compare(a, b)
	})
	return keys
}

func stratumLabel(s map[string]string, names []string) string {
	var parts []string
	for _, n := range names {
		parts = append(parts, n+" = "+s[n])
	}
	return strings.Join(parts, ", ")
}

func (b *builder) strata() error {
	strata := b.in.Strata
	if len(strata) == 0 {
		strata = b.r.Strata
	}
	if len(strata) == 0 {
		b.v.StrataNote = "This estimate is not broken down by stratum. Link with --strata (for example sex or region) and estimate with --strata to see estimates for groups of victims."
		return nil
	}
	var names []string
	for n := range strata[0].Stratum {
		names = append(names, n)
	}
	slices.Sort(names)
	obs := make([]int, len(strata))
	for i, s := range strata {
		obs[i] = s.Result.Observed
	}
	obsCells, obsTotal := b.countColumn(obs)
	t := &table{ID: "strata-table", Caption: "Estimates by stratum", Head: []string{"stratum", "people observed", "estimate", "95% interval", "model"}}
	var rows []forestRow
	for i, s := range strata {
		label := stratumLabel(s.Stratum, names)
		res := s.Result
		row := []cell{text(label), obsCells[i]}
		switch {
		case b.pub && res.Observed < disclosure.MinStratum:
			row = append(row, cell{"not published", "suppressed"}, cell{"–", "suppressed"}, text(""))
		case !res.Estimated():
			row = append(row, text("not estimable"), text(res.Reason), text(""))
		default:
			ci := text("–")
			fr := forestRow{Label: label, Est: *res.Estimate}
			if p, ok := res.Intervals.Level(0.95); ok {
				ci = cell{b.limits(p), "est"}
				fr.Lo, fr.Hi, fr.HasCI = bounds(p)
			}
			model := ""
			if res.Model != nil {
				// With list names: a stratum's table may have lost lists, so
				// its list numbers differ from the list table's.
				model = res.Model.Named
				if model == "" {
					model = res.Model.Notation
				}
			}
			row = append(row, b.estCell(*res.Estimate), ci, text(model))
			if b.pub {
				fr.Est, fr.Lo, fr.Hi = disclosure.RoundEstimate(fr.Est), disclosure.RoundEstimate(fr.Lo), disclosure.RoundEstimate(fr.Hi)
			}
			rows = append(rows, fr)
		}
		t.Rows = append(t.Rows, row)
	}
	t.Foot = [][]cell{{text("all strata"), obsTotal, text(""), text(""), text("")}}
	b.v.StrataTable = t
	if len(rows) > 0 {
		p, err := forestPlot("Estimates by stratum", "estimated total (people)", rows, 0)
		if err != nil {
			return err
		}
		b.v.StrataPlot = p
	}
	note := "Each stratum is estimated on its own, with the same method; the stratum estimates need not add up to the overall estimate."
	if b.pub {
		note += fmt.Sprintf(" Estimates for strata with fewer than %d people observed are not published; counts are rounded to multiples of 3.", disclosure.MinStratum)
	}
	b.v.StrataNote = note
	return nil
}

func (b *builder) linkage() error {
	lr := b.in.Linkage
	if lr == nil {
		b.v.LinkNote = "No linkage report was given. When the overlap table comes from morketall link, pass its --report file with --linkage to show how the lists were linked and how much the estimate depends on it."
		return nil
	}
	b.v.Link = true
	b.v.LinkSummary = [][2]string{
		{"key fingerprint", lr.KeyFingerprint},
		{"schema hash", lr.SchemaHash},
		{"rule used for the table", lr.Rule},
		{"match keys, in order", strings.Join(lr.MatchKeys, ", ")},
		{"records linked", b.count(lr.Records).Text},
		{"a token held by more records than this links nothing", strconv.Itoa(lr.MaxTokenFrequency)},
	}
	// Lists: records and within-list duplicates under the report's rule.
	recs := make([]int, len(lr.Lists))
	dups := make([]int, len(lr.Lists))
	for i, l := range lr.Lists {
		recs[i] = l.Records
		dups[i] = l.Duplicates[lr.Rule]
	}
	rc, rt := b.countColumn(recs)
	dc, dt := b.countColumn(dups)
	lt := &table{ID: "linkage-lists", Caption: "Records per list and duplicates found within each list", Head: []string{"list", "records", "duplicates within the list"}}
	for i, l := range lr.Lists {
		lt.Rows = append(lt.Rows, []cell{text(l.Name), rc[i], dc[i]})
	}
	lt.Foot = [][]cell{{text("all lists"), rt, dt}}
	b.v.LinkLists = lt
	kt := &table{ID: "linkage-keys", Caption: "What each match key contributed", Head: []string{"level", "match key", "links added", "within-list links", "ambiguous (refused)", "covariate conflicts", "most records sharing one token"}}
	for _, k := range lr.Keys {
		kt.Rows = append(kt.Rows, []cell{text(strconv.Itoa(k.Level)), text(k.Name), b.count(k.Links), b.count(k.WithinListLinks),
			b.count(k.Ambiguous), b.count(k.CovariateConflicts), b.count(k.MaxTokenFrequency)})
	}
	b.v.LinkKeys = kt
	// Sensitivity: the estimate under each rule.
	rt2 := &table{ID: "linkage-rules", Caption: "The estimate under each linkage rule", Head: []string{"rule", "match keys used", "distinct people", "estimate", "95% interval"}}
	var rows []forestRow
	for _, rule := range lr.Rules {
		row := []cell{text(rule.Rule), text(strings.Join(rule.Keys, ", ")), b.count(rule.Persons)}
		var res *mse.Result
		for _, re := range b.in.RuleEstimates {
			if re.Rule == rule.Rule {
				res = re.Result
			}
		}
		switch {
		case res == nil:
			row = append(row, text("–"), text(""))
			rt2.Rows = append(rt2.Rows, row)
			continue
		case !res.Estimated():
			row = append(row, text("not estimable"), text(""))
			rt2.Rows = append(rt2.Rows, row)
			continue
		}
		fr := forestRow{Label: rule.Rule, Est: *res.Estimate, Highlight: rule.Rule == lr.Rule}
		ci := text("–")
		if p, ok := res.Intervals.Level(0.95); ok {
			ci = cell{b.limits(p), "est"}
			fr.Lo, fr.Hi, fr.HasCI = bounds(p)
		}
		if b.pub {
			fr.Est, fr.Lo, fr.Hi = disclosure.RoundEstimate(fr.Est), disclosure.RoundEstimate(fr.Lo), disclosure.RoundEstimate(fr.Hi)
		}
		rows = append(rows, fr)
		rt2.Rows = append(rt2.Rows, append(row, b.estCell(*res.Estimate), ci))
	}
	b.v.LinkRules = rt2
	if len(rows) > 0 {
		p, err := forestPlot("The estimate under each linkage rule", "estimated total (people)", rows, 0)
		if err != nil {
			return err
		}
		b.v.LinkPlot = p
	}
	note := "Strict links only on the most reliable keys (identity number, full name with full date of birth) and may miss links; loose also accepts name variants with the birth year and may make false links. A missed link counts one person twice and raises the estimate; a false link merges two people and lowers it. If the three rules give similar estimates, linkage is not what limits the result."
	if !slices.Equal(lr.ListNames(), b.r.Lists) {
		note += " The lists of the linkage differ from those of the estimate (lists were merged, renamed or dropped after linkage), so these estimates are for the linked lists as they were."
	}
	if b.pub {
		note += " Counts are rounded to multiples of 3."
	}
	b.v.LinkSensNote = note
	return nil
}

func (b *builder) method() error {
	r := b.r
	var f [][2]string
	f = append(f, [2]string{"lists", fmt.Sprintf("%d: %s", len(r.Lists), strings.Join(r.Lists, ", "))})
	m := r.Method
	if r.RequestedMethod != "" {
		m += " (requested: " + r.RequestedMethod + ")"
	}
	f = append(f, [2]string{"method", m})
	if r.Model != nil {
		f = append(f, [2]string{"model", r.Model.Notation})
		if r.Model.Named != "" && r.Model.Named != r.Model.Notation {
			f = append(f, [2]string{"model with list names", r.Model.Named})
		}
	}
	if s := r.Selection; s != nil {
		switch {
		case s.Candidates > 0:
			f = append(f, [2]string{"model search", fmt.Sprintf("%s over %d models up to order %d, %d pass the existence check", s.Criterion, s.Candidates, s.MaxOrder, s.Valid)})
		case len(s.Added) > 0:
			f = append(f, [2]string{"stepwise terms added", strings.Join(s.Added, ", ")})
		}
	}
	if fi := r.Fit; fi != nil {
		f = append(f, [2]string{"fit", fmt.Sprintf("deviance %.2f on %d degrees of freedom; AIC %.2f; BIC %.2f", fi.Deviance, fi.DF, fi.AIC, fi.BIC)})
		if len(fi.EmptyMargins) > 0 {
			var names []string
			for _, t := range fi.EmptyMargins {
				names = append(names, strings.Join(t, ":"))
			}
			f = append(f, [2]string{"terms with an empty margin", strings.Join(names, ", ")})
		}
	}
	if !b.pub {
		for _, iv := range r.Intervals {
			if iv.Value != nil {
				f = append(f, [2]string{fmt.Sprintf("%s limit at %g", iv.Method, iv.Quantile), fmt.Sprintf("%.1f", *iv.Value)})
			}
		}
	}
	if r.Options.Seed != nil {
		f = append(f, [2]string{"seed", strconv.FormatUint(*r.Options.Seed, 10)})
	}
	if r.Version != "" {
		f = append(f, [2]string{"estimated by", "morketall " + r.Version})
	}
	b.v.Fit = f
	b.v.Warnings = r.Warnings
	return nil
}

// linkErrors shows how the estimate moves under assumed linkage-error
// rates: the scenarios the caller computed (Input.LinkageErrors).
func (b *builder) linkErrors() error {
	if len(b.in.LinkageErrors) == 0 || !b.r.Estimated() {
		return nil
	}
	what := b.in.Refit
	if what == "" {
		what = "the estimate"
	}
	t := &table{ID: "linkage-errors", Caption: "If the linkage made errors: " + what + " on perturbed tables",
		Head: []string{"missed links", "false links", "median estimate", "change", "95% of replicates"}}
	for _, res := range b.in.LinkageErrors {
		if res == nil || res.Replicates == 0 {
			continue
		}
		q := map[float64]float64{}
		for _, qv := range res.Quantiles {
			q[qv.Quantile] = qv.Value
		}
		lo, okLo := q[0.025]
		mid, okMid := q[0.5]
		hi, okHi := q[0.975]
		if !okLo || !okMid || !okHi {
			continue
		}
		t.Rows = append(t.Rows, []cell{text(fmt.Sprintf("%.0f%%", 100*res.Missed)), text(fmt.Sprintf("%.0f%%", 100*res.False)),
			b.estCell(mid), text(fmt.Sprintf("%+.0f%%", 100*res.RelativeChange)), cell{b.est(lo) + " – " + b.est(hi), "est"}})
	}
	if len(t.Rows) > 0 {
		b.v.LinkErr = t
		b.v.LinkErrNote = "The overlap table is perturbed as if a share of the true links had been missed (one person counted twice) or a share of the links were false (two people counted as one), many times over, and " + what + " is computed again on each. Missed links raise the estimate; false links lower it."
	}
	return nil
}
