package methods

import (
	"encoding/json"
	"testing"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/latentclass"
)

// TestLatentClassFromOptions: a latent-class result's options, read back
// from its JSON, rebuild the method with the settings it ran with.
func TestLatentClassFromOptions(t *testing.T) {
	m := latentclass.Method{Classes: 7, AAlpha: 0.5, BAlpha: 2, Chains: 3, Burnin: 100, Samples: 50, Thin: 2, GibbsOnly: true}
	var o mse.OptionsInfo
	o.Method = m.Name()
	m.Settings(&o)
	raw, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var back mse.OptionsInfo
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	got, err := FromOptions(back)
	if err != nil {
		t.Fatal(err)
	}
	if got.(latentclass.Method) != m {
		t.Errorf("rebuilt %+v, want %+v", got, m)
	}
}
