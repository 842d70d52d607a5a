// Package disclosure applies the statistical disclosure control that
// morketall uses for published outputs, after Statistics Norway's practice
// for small counts (../shared/PRIVACY.md, "Published outputs").
//
// # Policy
//
// A published report never shows the overlap table (the count of people for
// each combination of agencies): with a handful of lists, its small cells
// single out individuals ("the one person seen by the police and the men's
// shelter but by no one else"). Every other table of counts is published
// under these rules:
//
//   - Counts are rounded to multiples of Base (3). A cell that is already a
//     multiple of 3 is shown as it is; any other cell is moved to one of the
//     two neighbouring multiples, so 1 and 2 become 0 or 3, 4 and 5 become 3
//     or 6, and so on. A published 0 therefore means "0, 1 or 2", and no
//     published count is ever 1 or 2.
//   - Where a table has a total, the rounding is controlled: the total is
//     rounded to the nearest multiple of 3 and the cells are rounded so that
//     they add up to it exactly (ControlledRound). Totals stay consistent,
//     and a suppressed or rounded cell cannot be recovered by subtraction,
//     which is the weakness of cell suppression without secondary
//     suppression.
//   - Counts that describe a whole unit of the report (the size of an
//     agency's list) are not shown at all when they are below Threshold;
//     the table says "fewer than 3" instead (Small).
//   - Estimates and interval limits are rounded to publication precision
//     (RoundEstimate): the nearest 10, or three significant digits above
//     10,000. They are model outputs, not counts, but their last digits
//     carry no information and invite false precision.
//   - An estimate for a stratum (a sub-population such as a region of
//     origin) is published only when at least MinStratum distinct people
//     of that stratum were observed; smaller strata are neither reliable
//     nor safe to publish.
//
// The rounding is deterministic (largest remainder first, ties by
// position), so the same table always publishes the same way; random
// rounding would leak information when a report is regenerated.
//
// # Non-goals
//
// This is small-count protection for aggregate tables. It is not a formal
// privacy guarantee (such as differential privacy) and it does not protect
// against an attacker who combines several differently cut tables of the
// same population; publish one report per estimation round.
package disclosure

import (
	"fmt"
	"math"
	"sort"
)

// Threshold is the smallest count that may be published as it is:
// Statistics Norway suppresses or rounds cells with fewer than 3.
const Threshold = 3

// Base is the rounding base.
const Base = 3

// MinStratum is the smallest observed count for which a stratum's estimate
// is published.
const MinStratum = 10

// Small reports whether a count is positive and below Threshold: such a
// count may not be published at all where it describes a whole unit.
func Small(n int) bool { return n > 0 && n < Threshold }

// Round rounds a single count to the nearest multiple of Base (1 → 0,
// 2 → 3). It is the rounding of a cell that belongs to no table with a
// total. Negative counts are a programmer error and panic.
func Round(n int) int {
	if n < 0 {
		panic(fmt.Sprintf("disclosure: negative count %d", n))
	}
	r := n % Base
	if 2*r < Base {
		return n - r
	}
	return n - r + Base
}

// ControlledRound rounds the cells of a one-way table and its total (the sum
// of the cells) to multiples of Base such that:
//
//   - every rounded cell is one of the two multiples of Base next to the
//     cell (a cell that is a multiple stays as it is);
//   - the rounded total is Round(sum of the cells);
//   - the rounded cells add up to the rounded total.
//
// Such a rounding always exists for a one-way table. The cells rounded up
// are those with the largest remainders, ties broken by position. Negative
// counts are a programmer error and panic.
func ControlledRound(cells []int) (rounded []int, total int) {
	rounded = make([]int, len(cells))
	sum, floorSum := 0, 0
	var open []int // cells with a non-zero remainder
	for i, c := range cells {
		if c < 0 {
			panic(fmt.Sprintf("disclosure: negative count %d", c))
		}
		sum += c
		rounded[i] = c - c%Base
		floorSum += rounded[i]
		if c%Base != 0 {
			open = append(open, i)
		}
	}
	total = Round(sum)
	up := (total - floorSum) / Base
	// 0 ≤ up ≤ len(open) holds: see the package tests.
	sort.SliceStable(open, func(a, b int) bool { return cells[open[a]]%Base > cells[open[b]]%Base })
	for _, i := range open[:up] {
		rounded[i] += Base
	}
	return rounded, total
}

// RoundEstimate rounds an estimate or an interval limit to publication
// precision: the nearest 10 below 10,000 and three significant digits
// above. NaN and infinities are returned unchanged (they are never
// published: the report says "not estimable").
func RoundEstimate(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	step := 10.0
	if a := math.Abs(x); a >= 10000 {
		step = math.Pow(10, math.Floor(math.Log10(a))-2)
	}
	return math.Round(x/step) * step
}
