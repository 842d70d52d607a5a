package pseudonym

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

// syntheticExtract makes n fictional rows like an agency extract: names
// with Norwegian letters, some Cyrillic and Vietnamese, swapped or missing
// parts; dates in the accepted formats with placeholders and errors;
// identity numbers for some, valid or not; free-text notes.
func syntheticExtract(n int, seed uint64) ([]string, [][]string) {
	r := rand.New(rand.NewPCG(seed, 1))
	given := []string{"Anna", "Kari", "Ola", "Bjørn", "Åse", "Ærlend", "Mariam", "Blessing", "Joy", "Precious",
		"Ngoc Anh", "Văn An", "Thi Lan", "Olga", "Дмитрий", "Юлия", "Ioana", "Elena", "Fatima", "Abu Bakr",
		"José María", "Zoë", "Anne-Marie", "Somchai", "Siri"}
	family := []string{"Hansen", "Johansen", "Olsen", "Bøe", "Åsen-Dahl", "Nguyễn", "Trần", "Okafor", "Eze",
		"Popescu", "Ionescu", "Иванова", "Подъячев", "al-Hassan", "van der Berg", "O'Brien", "Straßburger",
		"Yıldız", "Kowalski", "Nordmann", "Osei", "Mensah", "Pham", "Le", "Sørensen"}
	nat := []string{"NGA", "NG", "VNM", "ROU", "RUS", "NOR", "THA", "SYR", "POL", "GHA", "BGR", "xx", ""}
	sex := []string{"K", "M", "kvinne", "mann", "F", "", "ukjent"}
	exp := []string{"seksuell", "arbeid", "begge", "Sexual exploitation", "tigging", "", "annet", "see notes"}
	header := []string{"given_name", "family_name", "birth_date", "sex", "nationality", "national_id", "exploitation", "notes"}
	rows := make([][]string, n)
	for i := range rows {
		y, m, d := 1960+r.IntN(45), 1+r.IntN(12), 1+r.IntN(28)
		var dob string
		switch r.IntN(10) {
		case 0, 1, 2:
			dob = fmt.Sprintf("%02d.%02d.%04d", d, m, y)
		case 3, 4, 5:
			dob = fmt.Sprintf("%04d-%02d-%02d", y, m, d)
		case 6:
			dob = fmt.Sprintf("01.01.%04d", y) // placeholder
		case 7:
			dob = strconv.Itoa(y)
		case 8:
			dob = strconv.Itoa(25000 + r.IntN(15000)) // Excel serial
		default:
			dob = ""
		}
		id := ""
		if r.IntN(4) == 0 {
			id = synthID(r, d, m, y%100)
		}
		g, f := given[r.IntN(len(given))], family[r.IntN(len(family))]
		if r.IntN(10) == 0 {
			g, f = f, g
		}
		rows[i] = []string{g, f, dob, sex[r.IntN(len(sex))], nat[r.IntN(len(nat))], id, exp[r.IntN(len(exp))],
			"contact via shelter, case " + strconv.Itoa(r.IntN(1e6))}
	}
	return header, rows
}

// synthID returns a number with valid check digits (or, one time in ten,
// a wrong last digit); about a third are D-numbers.
func synthID(r *rand.Rand, d, m, yy int) string {
	for {
		if r.IntN(3) == 0 {
			d += 40
		}
		nine := fmt.Sprintf("%02d%02d%02d%03d", d, m, yy, r.IntN(500))
		for k1 := 0; k1 < 10; k1++ {
			for k2 := 0; k2 < 10; k2++ {
				s := nine + strconv.Itoa(k1) + strconv.Itoa(k2)
				if _, err := checkID(s); err == nil {
					if r.IntN(10) == 0 {
						return s[:10] + strconv.Itoa((k2+1)%10)
					}
					return s
				}
			}
		}
		d %= 40
	}
}

// BenchmarkPseudonymise measures records per second on one goroutine with
// the built-in schema (six match keys, four covariates), including
// normalisation, HMACs, the report, record ids and the shuffle.
func BenchmarkPseudonymise(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			header, rows := syntheticExtract(n, 42)
			p, err := New(testKey(b), nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Pseudonymise("BENCH", NewSliceSource(header, rows)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkNormaliseName compares the fast path with the reference.
func BenchmarkNormaliseName(b *testing.B) {
	for _, s := range []string{"Hansen", "Bjørn Ærlend Åsen-Dahl", "Nguyễn Văn An", "Дмитрий Подъячев"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				NormaliseName(s)
			}
		})
	}
}
