package graphavg

import (
	"errors"
	"fmt"

	"github.com/morketall/morketall/mse"
)

// MaxLists is the largest number of lists the method takes: a graph's
// edges are packed in 64 bits and the margins of all 2^K − 1 subsets of
// lists are tabulated.
const MaxLists = 11

var errUnderflow = fmt.Errorf("%w: the posterior underflows on the grid (every term is below e^−745 of the bound)", mse.ErrNotEstimable)

var errNoCases = errors.New("graphavg: the table has no cases")
