// Command morketall estimates the number of hidden victims of human
// trafficking by privacy-preserving Multiple Systems Estimation.
//
// Run "morketall help" for the list of commands.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
