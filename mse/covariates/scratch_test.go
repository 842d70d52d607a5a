package covariates

import (
	"os"
	"testing"
	"fmt"
	"math"

	"github.com/morketall/morketall/mse"
)

func readRef(t *testing.T, file string, covs []string) *mse.Table {
	f, err := os.Open("../../testdata/reference/covariates/" + file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, _, err := mse.ReadTable(f, &mse.ReadOptions{Covariates: covs, KeepNonInformative: true})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestScratch(t *testing.T) {
	tab := readRef(t, "sim_sex_age.csv", []string{"sex", "age"})
	d, err := NewData(tab)
	if err != nil { t.Fatal(err) }
	fmt.Println(d.n, d.nComp, len(d.partial), d.levels)
	for _, s := range []string{"main", "[1:sex,2:sex,3:sex,4:sex,1:age,2:age,3:age,4:age,sex:age]", "[12,1:sex,2:sex,3:age,4:age,sex:age]"} {
		m, err := ParseModel(s, d.lists, d.covs)
		if err != nil { t.Fatal(err) }
		f, err := FitModel(d, m, nil)
		fmt.Println(m, m.Named(), err, f.Estimate, f.Iterations, f.LogLik, f.Deviance, f.DF, f.AIC, f.BIC, f.EM.Params)
		// complete cases
		cc := &mse.Table{Lists: tab.Lists, Covariates: tab.Covariates}
		for _, r := range tab.Rows { if r.Complete() { cc.Rows = append(cc.Rows, r) } }
		dc, _ := NewData(cc)
		fc, err := FitModel(dc, m, nil)
		fmt.Println("  cc", err, fc.Estimate, fc.Iterations, fc.LogLik, fc.Deviance, fc.DF, fc.AIC, fc.BIC, fc.Extended)
	}
}

func TestScratchMSE(t *testing.T) {
	for _, c := range []struct{ file string; covs []string; drop bool }{
		{"sim_sex_age.csv", []string{"sex", "age"}, true},
		{"mse_simdat.csv", []string{"X1", "X2", "X3", "X4", "Y"}, false},
	} {
		tab := readRef(t, c.file, c.covs)
		cc := &mse.Table{Lists: tab.Lists, Covariates: tab.Covariates}
		for _, r := range tab.Rows { if r.Complete() { cc.Rows = append(cc.Rows, r) } }
		d, err := NewData(cc)
		if err != nil { t.Fatal(err) }
		sc := DefaultScope(d.lists, d.covs, true)
		path, err := ModelSearch(t.Context(), d, sc.Lower, sc, nil)
		if err != nil { t.Fatal(err) }
		for i, s := range path {
			fmt.Printf("%d %d %-10s df=%d dev=%.1f aic=%.1f bic=%.1f N=%.6f ext=%v err=%v\n", i+1, s.Stage, s.Change, s.Fit.DF, s.Fit.Deviance, s.Fit.Criterion(2), s.Fit.Criterion(math.Log(float64(d.n))), s.Fit.Estimate, s.Fit.Extended, s.Err)
		}
	}
}
