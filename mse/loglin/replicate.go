package loglin

import (
	"math"
	"sync"

	"github.com/morketall/morketall/mse"
)

// The bootstrap's fast path: each worker re-runs the method on a
// replicate's counts with its own fitter, allocation-free once warmed up,
// with existence codes cached by (model, support).

// fixedRep refits one model in every replicate.
type fixedRep struct {
	f     *fitter
	m     mse.Model
	start *warmStart
}

func (e *fixedRep) Replicate(y []float64, n int) (float64, int, bool) {
	e.f.use(y, n)
	lf := e.f.fitLight(e.m, checkCached, [2]uint64{1}, e.start)
	if !lf.ok && lf.code == 1 {
		v, ok := e.f.withoutMLE(e.m)
		return v, 0, ok
	}
	return lf.estimate, 0, lf.ok
}

// modelIndex numbers the models the stepwise replicators select; it is
// shared between workers.
type modelIndex struct {
	mu     sync.Mutex
	index  map[string]int // model notation → id
	models []mse.Model
}

func (x *modelIndex) id(m mse.Model) int {
	key := m.String()
	x.mu.Lock()
	defer x.mu.Unlock()
	if i, ok := x.index[key]; ok {
		return i
	}
	x.models = append(x.models, m)
	x.index[key] = len(x.models) - 1
	return len(x.models) - 1
}

func (x *modelIndex) model(id int) mse.Model {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.models[id]
}

// stepwiseRep re-runs the stepwise search in every replicate.
type stepwiseRep struct {
	idx     *modelIndex
	f       *fitter
	pthresh float64
}

func (e *stepwiseRep) Replicate(y []float64, n int) (float64, int, bool) {
	e.f.use(y, n)
	_, m, err := e.f.stepwise(e.pthresh, false)
	if err != nil {
		// The main-effects start could not be fitted.
		v, ok := e.f.withoutMLE(m)
		return v, e.idx.id(m), ok
	}
	id, _ := pairsID(m)
	lf := e.f.fitLight(m, checkCached, id, nil)
	if !lf.ok {
		if lf.code != 1 {
			return 0, -1, false
		}
		v, ok := e.f.withoutMLE(m)
		return v, e.idx.id(m), ok
	}
	return lf.estimate, e.idx.id(m), true
}

// searchRep re-runs the BIC/AIC search over the retained models in every
// replicate. Models are visited in full-data rank order and a model is
// skipped when even a perfect fit could not beat the best so far: its
// criterion is at least P·c − 2ℓ_sat, with ℓ_sat the saturated
// log-likelihood (an upper bound of every model's). Ties keep the
// better-ranked model, as MSE-R's strict "<" scan does.
type searchRep struct {
	f      *fitter
	crit   Criterion
	ranked []Ranked
	starts []*warmStart // full-data coefficients (warm starts)
}

func (e *searchRep) Replicate(y []float64, n int) (float64, int, bool) {
	e.f.use(y, n)
	perParam := 2.0
	if e.crit == BIC {
		perParam = math.Log(float64(n))
	}
	best, bestIdx, bestEst := math.Inf(1), -1, 0.0
	for i := range e.ranked {
		m := e.ranked[i].Model
		if float64(m.NumParams())*perParam-2*e.f.satLL >= best {
			continue
		}
		lf := e.f.fitLight(m, checkCached, [2]uint64{uint64(i)}, e.starts[i])
		if !lf.ok {
			continue
		}
		s := lf.bic
		if e.crit == AIC {
			s = lf.aic
		}
		if s < best {
			best, bestIdx, bestEst = s, i, lf.estimate
		}
	}
	if bestIdx < 0 {
		// No retained model has an estimate in this replicate. If the
		// main-effects model is retained and merely lacks an MLE, its
		// unrestricted fit tells whether N is unbounded.
		for i := range e.ranked {
			m := e.ranked[i].Model
			if m.IsMainEffects() {
				if code, err := e.f.code(m, checkCached, [2]uint64{uint64(i)}); err == nil && code == 1 {
					v, ok := e.f.withoutMLE(m)
					return v, i, ok
				}
			}
		}
	}
	return bestEst, bestIdx, bestIdx >= 0
}
