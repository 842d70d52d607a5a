package linkage

import (
	"context"
	"fmt"
	"slices"

	"github.com/morketall/morketall/mse"
)

// LinkCovariates is Link with the covariate columns named written to the
// tables as covariates (mse.Table.Covariates) for models that use them
// (package mse/covariates), besides the strata of opts. A person's value
// is its records' value when they agree and the vote of its records when
// they disagree, as for strata (see the package documentation), but a
// person none of whose records has a value keeps it missing (an empty
// cell) instead of getting the value "unknown": the model then fills it
// in from the person's lists. The Report lists the covariates' conflicts
// as it does for every covariate, and the rules' tables carry the values.
func LinkCovariates(ctx context.Context, srcs []Source, covariates []string, opts *Options) (*Result, error) {
	o, err := covariateOptions(covariates, opts)
	if err != nil {
		return nil, err
	}
	res, err := Link(ctx, srcs, o)
	if err != nil {
		return nil, err
	}
	splitCovariates(res, len(o.Strata)-len(covariates))
	return res, nil
}

// LinkFilesCovariates opens the files and links them; see LinkCovariates.
func LinkFilesCovariates(ctx context.Context, paths []string, covariates []string, opts *Options) (*Result, error) {
	o, err := covariateOptions(covariates, opts)
	if err != nil {
		return nil, err
	}
	res, err := LinkFiles(ctx, paths, o)
	if err != nil {
		return nil, err
	}
	splitCovariates(res, len(o.Strata)-len(covariates))
	return res, nil
}

// covariateOptions links the covariates as the last stratum columns.
func covariateOptions(covariates []string, opts *Options) (*Options, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if len(covariates) == 0 {
		return nil, fmt.Errorf("%w: no covariate columns given", ErrOptions)
	}
	for i, c := range covariates {
		if slices.Contains(covariates[:i], c) {
			return nil, fmt.Errorf("%w: covariate column %q given twice", ErrOptions, c)
		}
		if slices.Contains(o.Strata, c) {
			return nil, fmt.Errorf("%w: column %q given both as a stratum and as a covariate", ErrOptions, c)
		}
	}
	if len(o.Strata)+len(covariates) > MaxStrata {
		return nil, fmt.Errorf("%w: %d stratum and covariate columns, at most %d", ErrOptions, len(o.Strata)+len(covariates), MaxStrata)
	}
	// A missing value must be told apart from every known one.
	if o.MissingValues != nil && !slices.Contains(o.MissingValues, Unknown) {
		return nil, fmt.Errorf("%w: with covariates the missing values must include %q", ErrOptions, Unknown)
	}
	o.Strata = append(slices.Clone(o.Strata), covariates...)
	return &o, nil
}

// splitCovariates turns the stratum columns after the first n of every
// table of res into covariate columns, a missing value ("unknown") into
// "".
func splitCovariates(res *Result, n int) {
	split := func(t *mse.Table) {
		t.Covariates = slices.Clone(t.Strata[n:])
		t.Strata = slices.Clip(t.Strata[:n])
		for i := range t.Rows {
			r := &t.Rows[i]
			r.Covariates = slices.Clone(r.Stratum[n:])
			for j, v := range r.Covariates {
				if v == Unknown {
					r.Covariates[j] = ""
				}
			}
			r.Stratum = slices.Clip(r.Stratum[:n])
			if n == 0 {
				r.Stratum = nil
			}
		}
		if n == 0 {
			t.Strata = nil
		}
	}
	done := map[*mse.Table]bool{}
	for _, t := range res.Tables {
		if !done[t] {
			split(t)
			done[t] = true
		}
	}
	if !done[res.Table] {
		split(res.Table)
	}
	rep := res.Report
	rep.Strata = slices.Clip(rep.Strata[:n])
	for i := range rep.Rules {
		for j := range rep.Rules[i].Table {
			row := &rep.Rules[i].Table[j]
			row.Covariates = slices.Clone(row.Stratum[n:])
			for k, v := range row.Covariates {
				if v == Unknown {
					row.Covariates[k] = ""
				}
			}
			row.Stratum = slices.Clip(row.Stratum[:n])
			if n == 0 {
				row.Stratum = nil
			}
		}
	}
}
