// Command genextract writes a synthetic agency extract of N rows as CSV to
// standard output (fictional names, mixed date formats, some identity
// numbers), for measuring pseudonymise on large inputs:
//
//	go run ./scripts/genextract 1000000 > big.csv
package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
)

func main() {
	n, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "usage: genextract N")
		os.Exit(2)
	}
	r := rand.New(rand.NewPCG(1, 2))
	given := []string{"Anna", "Kari", "Ola", "Bjørn", "Åse", "Mariam", "Blessing", "Joy", "Ngoc Anh", "Văn An", "Olga", "Дмитрий", "Ioana", "Fatima", "José María", "Zoë", "Anne-Marie", "Somchai"}
	family := []string{"Hansen", "Johansen", "Bøe", "Åsen-Dahl", "Nguyễn", "Okafor", "Popescu", "Иванова", "al-Hassan", "van der Berg", "O'Brien", "Kowalski", "Mensah", "Sørensen"}
	sex := []string{"K", "M", "F", ""}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	fmt.Fprintln(w, "given_name,family_name,birth_date,sex,exploitation,notes")
	for i := 0; i < n; i++ {
		y, m, d := 1960+r.IntN(45), 1+r.IntN(12), 1+r.IntN(28)
		var dob string
		switch r.IntN(3) {
		case 0:
			dob = fmt.Sprintf("%02d.%02d.%04d", d, m, y)
		case 1:
			dob = fmt.Sprintf("%04d-%02d-%02d", y, m, d)
		default:
			dob = strconv.Itoa(y)
		}
		fmt.Fprintf(w, "%s %d,%s,%s,%s,arbeid,case %d\n", given[r.IntN(len(given))], r.IntN(1000), family[r.IntN(len(family))], dob, sex[r.IntN(len(sex))], r.IntN(1e6))
	}
}
