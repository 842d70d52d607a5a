package linkage

import (
	"bufio"
	"cmp"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// ScoredRuleReport is the scored pass's outcome under one rule.
type ScoredRuleReport struct {
	// Candidates are the pairs of records of different persons compared
	// (after the exact levels); Links the person merges made.
	Candidates int `json:"candidates"`
	Links      int `json:"links"`
	// Review counts the pairs left for clerical review: between the
	// thresholds and not linked, or above the upper one but refused.
	Review int `json:"review"`
	// Vetoed counts pairs above the threshold refused because the person
	// they would make holds a comparable pair below the lower threshold,
	// two records of known different sex, or two list-persons of one
	// list; Contested those refused because one of their records matched
	// another person, who could not join, about as well.
	Vetoed    int `json:"vetoed"`
	Contested int `json:"contested"`
	// Refused counts the pairs below the lower threshold.
	Refused int `json:"refused"`
}

func (s scoredStats) report() ScoredRuleReport {
	return ScoredRuleReport{Candidates: s.candidates, Links: s.links, Review: s.review, Vetoed: s.vetoed, Contested: s.contested, Refused: s.refused}
}

// ScoringReport describes the scored pass: its settings, the fitted
// model and the Bloom comparisons.
type ScoringReport struct {
	Upper  float64 `json:"upper"`  // bits of posterior log-odds
	Lower  float64 `json:"lower"`  // bits of posterior log-odds
	Margin float64 `json:"margin"` // bits
	// PriorLogOdds is log2 of the prior odds that a pair of one year block
	// that the exact levels left apart is a match, which every weight
	// includes; PriorPercent the same as a probability in percent.
	PriorLogOdds float64 `json:"prior_log_odds"`
	PriorPercent float64 `json:"prior_percent"`
	// ExactLevels is the number of keys, from the top, that the default
	// rule applies as exact levels; the rest are sources of candidates.
	ExactLevels int `json:"exact_levels"`
	// MatchedPairs are the pairs the m-probabilities were counted over:
	// those the top two keys join.
	MatchedPairs int `json:"matched_pairs"`
	// Features are the fitted m- and u-probabilities by level.
	Features []FeatureReport `json:"features"`
	// MinDice is the Dice coefficient below which records of one Bloom
	// block are no candidate pair; BloomPairs the pairs at or above it;
	// BloomBlocksSkipped and BloomRecordsSkipped the blocks (and the
	// records in them) left out by the comparison budget.
	MinDice             float64 `json:"min_dice"`
	MaxComparisons      int     `json:"max_comparisons"`
	BloomPairs          int     `json:"bloom_pairs"`
	BloomBlocksSkipped  int     `json:"bloom_blocks_skipped"`
	BloomRecordsSkipped int     `json:"bloom_records_skipped"`
}

// FeatureReport is one feature of the agreement pattern.
type FeatureReport struct {
	Name   string    `json:"name"`
	Levels []string  `json:"levels"`
	M      []float64 `json:"m"`
	U      []float64 `json:"u"`
	// Weights are log2(m/u) per level, in bits, before the frequency
	// adjustment of the Dice level and without the prior.
	Weights []float64 `json:"weights"`
}

func (lr *linkRun) scoringReport() *ScoringReport {
	sc, so := lr.score, lr.o.Scoring
	r := &ScoringReport{Upper: so.Upper, Lower: so.Lower, Margin: so.Margin, ExactLevels: lr.exactN,
		PriorLogOdds: sc.prior, PriorPercent: sc.priorPct,
		MatchedPairs: sc.sample, MinDice: so.MinDice, MaxComparisons: so.MaxComparisons,
		BloomPairs: lr.nBloom, BloomBlocksSkipped: lr.skipped[0], BloomRecordsSkipped: lr.skipped[1]}
	for f := range sc.nf {
		fr := FeatureReport{M: sc.m[f], U: sc.u[f], Weights: sc.lw[f]}
		switch {
		case f == featNID:
			fr.Name = lr.in.keys[0]
			fr.Levels = []string{"missing", "agree", "disagree"}
		case f == featDate:
			fr.Name = "birth_date"
			if sc.dobKey >= 0 {
				fr.Name = lr.in.blockKeys[sc.dobKey-sc.nExact]
			}
			fr.Levels = []string{"missing", "agree", "disagree"}
		case f == sc.bloomF:
			fr.Name = lr.in.bloomKey
			fr.Levels = []string{"missing"}
			for _, b := range diceBands {
				fr.Levels = append(fr.Levels, fmt.Sprintf("dice>=%g", b))
			}
		default:
			fr.Name = "sex"
			fr.Levels = []string{"missing", "agree", "disagree"}
		}
		r.Features = append(r.Features, fr)
	}
	return r
}

// Assignment is one record's place in the linkage under the result's
// rule, for clerical review. It holds record ids, which are random and
// mean nothing without the agency's crosswalk, and weights.
type Assignment struct {
	List     string // the record's list
	RecordID string // its record id in the list file
	// Person numbers the persons "P1", "P2", … in the order of their
	// first record (by list, then record id).
	Person string
	// LinkedBy is the strongest exact key whose token the record shares
	// with another record of its person, "scored" when it shares none
	// (a scored link joined it), or "" for a person of one record.
	LinkedBy string
	// Weight, for a record linked by "scored", is the largest weight of a
	// scored link it is in (0 when another record's link joined it).
	Weight float64
	// Review lists the candidates of the record in the review band of the
	// default rule: pairs between the thresholds left unlinked, or above
	// the upper one but refused.
	Review []ReviewCandidate
}

// ReviewCandidate is a record a reviewed record may be the same person as.
type ReviewCandidate struct {
	List, RecordID string
	Weight         float64
}

func (lr *linkRun) assignments(r Rule) []Assignment {
	lk := lr.lks[r]
	in := lr.in
	n := in.n
	if lk == nil {
		return nil
	}
	root := make([]uint32, n)
	size := map[uint32]int{}
	for i := range uint32(n) {
		root[i] = lk.find(i)
		size[root[i]]++
	}
	id := func(i uint32) string { return hex.EncodeToString(in.ids[i][:]) }
	listName := func(i uint32) string { return in.lists[in.listOf[i]].hdr.List }
	// Persons in the order of their first record.
	order := make([]uint32, n)
	for i := range order {
		order[i] = uint32(i)
	}
	key := func(i uint32) (int, string) { return int(in.listOf[i]), id(i) }
	slices.SortFunc(order, func(a, b uint32) int {
		la, ia := key(a)
		lb, ib := key(b)
		if la != lb {
			return cmp.Compare(la, lb)
		}
		return cmp.Compare(ia, ib)
	})
	person := map[uint32]string{}
	for _, i := range order {
		if _, ok := person[root[i]]; !ok {
			person[root[i]] = "P" + strconv.Itoa(len(person)+1)
		}
	}
	// The strongest exact key shared within the person.
	shared := make([]map[[2]uint32]bool, len(in.keys))
	for k := range in.keys {
		shared[k] = map[[2]uint32]bool{}
		if t := lr.bl[k].token; t != nil {
			seen := map[[2]uint32]int{}
			for i := range uint32(n) {
				if t[i] >= 2 && size[root[i]] > 1 {
					seen[[2]uint32{root[i], t[i]}]++
				}
			}
			for kk, c := range seen {
				if c > 1 {
					shared[k][kk] = true
				}
			}
		}
	}
	best := map[uint32]float64{}
	for _, p := range lr.links[r] {
		for _, x := range [2]uint32{p.a, p.b} {
			if w, ok := best[x]; !ok || p.w > w {
				best[x] = p.w
			}
		}
	}
	review := map[uint32][]ReviewCandidate{}
	for _, p := range lr.review {
		review[p.a] = append(review[p.a], ReviewCandidate{listName(p.b), id(p.b), p.w})
		review[p.b] = append(review[p.b], ReviewCandidate{listName(p.a), id(p.a), p.w})
	}
	out := make([]Assignment, 0, n)
	for _, i := range order {
		a := Assignment{List: listName(i), RecordID: id(i), Person: person[root[i]], Review: review[i]}
		if size[root[i]] > 1 {
			a.LinkedBy = "scored"
			for k, name := range in.keys {
				if t := lr.bl[k].token; t != nil && t[i] >= 2 && shared[k][[2]uint32{root[i], t[i]}] {
					a.LinkedBy = name
					break
				}
			}
			if a.LinkedBy == "scored" {
				a.Weight = best[i]
			}
		}
		out = append(out, a)
	}
	return out
}

// WriteAssignments writes assignments as CSV with the header
// list,record_id,person_id,linked_by,weight,review. weight is in bits
// (two decimals, empty unless linked_by is "scored"); review lists the
// review candidates as LIST/record_id/weight separated by spaces. Every
// value is drawn from list names, record ids, key names and numbers, so no
// value needs quoting.
func WriteAssignments(w io.Writer, as []Assignment) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("list,record_id,person_id,linked_by,weight,review\n")
	for _, a := range as {
		bw.WriteString(a.List)
		bw.WriteByte(',')
		bw.WriteString(a.RecordID)
		bw.WriteByte(',')
		bw.WriteString(a.Person)
		bw.WriteByte(',')
		bw.WriteString(a.LinkedBy)
		bw.WriteByte(',')
		if a.LinkedBy == "scored" {
			bw.WriteString(strconv.FormatFloat(a.Weight, 'f', 2, 64))
		}
		bw.WriteByte(',')
		parts := make([]string, len(a.Review))
		for j, c := range a.Review {
			parts[j] = c.List + "/" + c.RecordID + "/" + strconv.FormatFloat(c.Weight, 'f', 2, 64)
		}
		bw.WriteString(strings.Join(parts, " "))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
