package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the transcript tests run the command as "morketall".
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"morketall": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the command-line transcripts in testdata/script: one
// per subcommand, with its error cases (-h, unknown flags, missing files,
// out-of-range and conflicting values). The transcript language is
// testscript's (github.com/rogpeppe/go-internal/testscript).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// The published UK table, for the estimation transcripts, and
			// the simulated table with covariates.
			for _, name := range []string{"ukdat_5.csv", "sex_age.csv"} {
				b, err := os.ReadFile("../../testdata/" + name)
				if err != nil {
					return err
				}
				if err := os.WriteFile(env.WorkDir+"/"+name, b, 0o644); err != nil {
					return err
				}
			}
			return nil
		},
	})
}
