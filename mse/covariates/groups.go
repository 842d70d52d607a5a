package covariates

import (
	"github.com/morketall/morketall/mse"
)

// group is one group of the estimates by group: given levels of one or
// two covariates.
type group struct {
	covs   []int
	levels []int
	label  string
	group  map[string]string
}

// groups lists the groups of mse's boot_mse tables: each level of each
// covariate, then each pair of covariates' level combinations (the first
// covariate's levels slower).
func (d *Data) groups() []group {
	var out []group
	for c, lv := range d.levels {
		for l := range lv {
			out = append(out, d.newGroup([]int{c}, []int{l}))
		}
	}
	for a := range d.levels {
		for b := a + 1; b < len(d.levels); b++ {
			for la := range d.levels[a] {
				for lb := range d.levels[b] {
					out = append(out, d.newGroup([]int{a, b}, []int{la, lb}))
				}
			}
		}
	}
	return out
}

func (d *Data) newGroup(covs, levels []int) group {
	g := group{covs: covs, levels: levels, group: map[string]string{}}
	names := make([]string, len(covs))
	values := make([]string, len(covs))
	for i, c := range covs {
		names[i], values[i] = d.covs[c], d.levels[c][levels[i]]
		g.group[names[i]] = values[i]
	}
	g.label = mse.GroupLabel(names, values)
	return g
}

// has reports whether a level combination belongs to the group.
func (d *Data) has(g group, combo int) bool {
	for i, c := range g.covs {
		if d.levelOf(combo, c) != g.levels[i] {
			return false
		}
	}
	return true
}

// observed counts the observed people recorded with the group's levels.
func (d *Data) observed(g group) int {
	var n float64
	for cell, v := range d.y {
		if _, combo := d.cellPattern(cell); d.has(g, combo) {
			n += v
		}
	}
	for _, p := range d.partial {
		ok := true
		for i, c := range g.covs {
			if p.known[c] != g.levels[i] {
				ok = false
				break
			}
		}
		if ok {
			n += p.count
		}
	}
	return int(n + 0.5)
}

// groupEstimates returns N̂ and the fitted unobserved count of each group.
func (f *ModelFit) groupEstimates(gs []group) (est, unobs []float64) {
	byCombo, unobsCombo := f.ByCombination()
	est = make([]float64, len(gs))
	unobs = make([]float64, len(gs))
	for i, g := range gs {
		for combo := range byCombo {
			if f.data.has(g, combo) {
				est[i] += byCombo[combo]
				unobs[i] += unobsCombo[combo]
			}
		}
	}
	return est, unobs
}
