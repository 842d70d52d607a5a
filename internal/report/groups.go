package report

import (
	"fmt"
	"html/template"
	"slices"
	"strings"

	"github.com/morketall/morketall/internal/disclosure"
	"github.com/morketall/morketall/mse"
)

// groupsView is the "estimates by group" section: the estimates of a
// model with covariates for each level of each covariate and each pair of
// levels (Result.Covariates), with a plot of the single levels.
type groupsView struct {
	Show   bool
	Intro  string
	Tables []*table
	Plot   template.HTML
	Note   string
}

// groupBlock is the groups of one covariate, or of one pair of
// covariates, in result order.
type groupBlock struct {
	names []string // the covariates of the block
	idx   []int    // indices into Result.Covariates.Groups
}

// groupBlocks splits the groups by the covariates they name.
func groupBlocks(c *mse.CovariateInfo) []groupBlock {
	var out []groupBlock
	at := map[string]int{}
	for i, g := range c.Groups {
		var names []string
		for _, n := range c.Names {
			if _, ok := g.Group[n]; ok {
				names = append(names, n)
			}
		}
		key := strings.Join(names, "\x00")
		j, ok := at[key]
		if !ok {
			j = len(out)
			at[key] = j
			out = append(out, groupBlock{names: names})
		}
		out[j].idx = append(out[j].idx, i)
	}
	return out
}

// groupSuppression decides which groups' estimates a published report
// withholds: those with fewer than disclosure.MinStratum people observed,
// and then, so that none of them can be recovered by subtraction from the
// published total or margins, another one in every block (one-way table)
// or row and column (two-way table) that has exactly one withheld: the one
// with the fewest people observed.
func groupSuppression(c *mse.CovariateInfo, blocks []groupBlock) []bool {
	sup := make([]bool, len(c.Groups))
	for i, g := range c.Groups {
		sup[i] = g.Estimate == nil || g.Observed < disclosure.MinStratum
	}
	// The lines whose estimates add up to something published: each
	// one-way block, and each row and column of a two-way block.
	var lines [][]int
	for _, b := range blocks {
		if len(b.names) == 1 {
			lines = append(lines, b.idx)
			continue
		}
		rows, cols := map[string][]int{}, map[string][]int{}
		for _, i := range b.idx {
			g := c.Groups[i].Group
			rows[g[b.names[0]]] = append(rows[g[b.names[0]]], i)
			cols[g[b.names[1]]] = append(cols[g[b.names[1]]], i)
		}
		for _, m := range []map[string][]int{rows, cols} {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				lines = append(lines, m[k])
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, line := range lines {
			n, best := 0, -1
			for _, i := range line {
				if sup[i] {
					n++
				} else if best < 0 || c.Groups[i].Observed < c.Groups[best].Observed {
					best = i
				}
			}
			if n == 1 && best >= 0 {
				sup[best] = true
				changed = true
			}
		}
	}
	return sup
}

// groups builds the section.
func (b *builder) groups() error {
	c := b.r.Covariates
	gv := &b.v.Groups
	if c == nil || len(c.Groups) == 0 {
		gv.Note = "This estimate does not use covariates. Declare covariate columns such as sex or age group (estimate --covariates) to estimate how many of the unseen belong to each group with a model that shares the dependence between the lists across the groups."
		return nil
	}
	gv.Show = true
	gv.Intro = fmt.Sprintf("The model describes how likely each list was to record a person depending on %s, so it estimates the unseen of each group, not only the total. The groups' estimates of one covariate add up to the total estimate.", strings.Join(c.Names, " and "))
	if c.Partial > 0 {
		gv.Intro += fmt.Sprintf(" %s of the observed people have a missing value; the model distributes them over the groups, which assumes that whether a value was recorded depends only on which agencies saw the person (values missing at random given the lists).", b.count(c.Partial).Text)
	}
	blocks := groupBlocks(c)
	var sup []bool
	if b.pub {
		sup = groupSuppression(c, blocks)
	}
	var rows []forestRow
	for _, bl := range blocks {
		t := &table{ID: "groups-" + strings.Join(bl.names, "-"), Caption: "Estimates by " + strings.Join(bl.names, " and "),
			Head: []string{strings.Join(bl.names, " × "), "people observed", "estimate", "not seen by any list", "95% interval"}}
		obs := make([]int, len(bl.idx))
		for j, i := range bl.idx {
			obs[j] = c.Groups[i].Observed
		}
		obsCells, _ := b.countColumn(obs)
		for j, i := range bl.idx {
			g := c.Groups[i]
			label := groupLabel(g, bl.names)
			row := []cell{text(label), obsCells[j]}
			switch {
			case sup != nil && sup[i]:
				row = append(row, cell{"not published", "suppressed"}, cell{"–", "suppressed"}, cell{"–", "suppressed"})
			case g.Estimate == nil:
				row = append(row, text("not estimable"), text(""), text(g.Reason))
			default:
				ci := text("–")
				fr := forestRow{Label: label, Est: *g.Estimate}
				if p, ok := g.Intervals.Level(0.95); ok {
					ci = cell{b.limits(p), "est"}
					fr.Lo, fr.Hi, fr.HasCI = bounds(p)
				}
				row = append(row, b.estCell(*g.Estimate), b.estCell(*g.Unobserved), ci)
				if b.pub {
					fr.Est, fr.Lo, fr.Hi = disclosure.RoundEstimate(fr.Est), disclosure.RoundEstimate(fr.Lo), disclosure.RoundEstimate(fr.Hi)
				}
				if len(bl.names) == 1 {
					rows = append(rows, fr)
				}
			}
			t.Rows = append(t.Rows, row)
		}
		gv.Tables = append(gv.Tables, t)
	}
	if len(rows) > 0 {
		p, err := forestPlot("Estimates by group", "estimated number of people", rows, 0)
		if err != nil {
			return err
		}
		gv.Plot = p
	}
	note := "People observed counts those recorded with the group's values; the estimate adds those distributed to the group from the partially recorded and the group's people seen by no list."
	if b.pub {
		note += fmt.Sprintf(" Estimates of groups with fewer than %d people observed are not published, nor one more group wherever a single withheld estimate could be recovered by subtraction; counts are rounded to multiples of 3 within each table.", disclosure.MinStratum)
	}
	gv.Note = note
	return nil
}

// groupLabel writes a group as "sex = F, age = 0-17".
func groupLabel(g mse.GroupEstimate, names []string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + " = " + g.Group[n]
	}
	return strings.Join(parts, ", ")
}
