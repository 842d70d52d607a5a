package mse_test

import (
	"context"
	"fmt"
	"os"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/loglin"
)

// Estimate the number of potential victims of modern slavery in the UK in
// 2013 from five agencies' lists (Silverman 2014), with SparseMSE's
// stepwise model selection and its model-conditional interval. SparseMSE
// 2.0.1 gives the same numbers: 11312.99 [9884.40, 13027.40], 10% 10349.70
// and 90% 12398.29.
func ExampleEstimate() {
	f, err := os.Open("../testdata/ukdat_5.csv")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	table, _, err := mse.ReadTable(f, nil)
	if err != nil {
		panic(err)
	}
	res, err := mse.Estimate(context.Background(), table, loglin.Stepwise{PThresh: 0.02}, &mse.Options{
		Interval: mse.IntervalConditional,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("observed:", res.Observed)
	fmt.Println("model:", res.Model.Named)
	fmt.Printf("estimate: %.0f\n", *res.Estimate)
	for _, iv := range res.Intervals {
		fmt.Printf("  %5.3f quantile: %.0f\n", iv.Quantile, *iv.Value)
	}
	// Output:
	// observed: 2744
	// model: [LA:NG, LA:PFNCA, NG:GO, NG:GP, PFNCA:GP, GO:GP]
	// estimate: 11313
	//   0.025 quantile: 9884
	//   0.100 quantile: 10350
	//   0.900 quantile: 12398
	//   0.975 quantile: 13027
}

// The bootstrap re-runs the model selection in every replicate; the
// result depends only on the seed.
func ExampleEstimate_bootstrap() {
	f, _ := os.Open("../testdata/ukdat_5.csv")
	defer f.Close()
	table, _, _ := mse.ReadTable(f, nil)
	seed := uint64(1234)
	res, _ := mse.Estimate(context.Background(), table, loglin.Stepwise{}, &mse.Options{NBoot: 200, Seed: &seed})
	fmt.Printf("estimate %.0f, %d replicates, %s interval with %d limits\n",
		*res.Estimate, len(res.Bootstrap.Replicates), res.Intervals[0].Method, len(res.Intervals))
	// Output:
	// estimate 11313, 200 replicates, bca interval with 4 limits
}

func ExampleParseModel() {
	lists := []string{"LA", "NG", "PFNCA", "GO", "GP"}
	m, _ := mse.ParseModel("[LA:NG:PFNCA, NG:GP, PFNCA:GO]", lists)
	fmt.Println(m, m.NumParams())
	// Output: [123,25,34] 12
}
