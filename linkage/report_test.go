package linkage

import (
	"errors"
	"strings"
	"testing"
)

func TestReadReport(t *testing.T) {
	for _, s := range []string{`{`, `{"format":"other","version":1}`, `{"format":"morketall-linkage-report","version":2}`, `[1]`} {
		_, err := ReadReport(strings.NewReader(s))
		if !errors.Is(err, ErrReport) {
			t.Errorf("%s: %v, want ErrReport", s, err)
		} else if strings.Contains(err.Error(), "other") {
			t.Errorf("error quotes the input: %v", err)
		}
	}
	lr, err := ReadReport(strings.NewReader(`{"format":"morketall-linkage-report","version":1,"rule":"default","lists":[{"name":"A","records":3},{"name":"B","records":2}],
		"rules":[{"rule":"default","table":[{"pattern":"10","count":2},{"pattern":"11","count":1},{"pattern":"01","count":1},{"pattern":"10","stratum":["F"],"count":1}]}]}`))
	if err != nil || lr.Lists[0].Name != "A" {
		t.Fatalf("valid report: %v %+v", err, lr)
	}
	tab, err := lr.RuleTable("default")
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.Cells(); got[1] != 3 || got[2] != 1 || got[3] != 1 {
		t.Errorf("rule table cells %v, want 3 on A only, 1 on B only, 1 on both", got)
	}
	if _, err := lr.RuleTable("loose"); !errors.Is(err, ErrReport) {
		t.Errorf("missing rule: %v", err)
	}
}
