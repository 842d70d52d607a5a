package linkage

import (
	"os"
	"path/filepath"
	"strings"
)

// The name pools of the synthetic population. The origins' literal pools
// in synth_test.go are the commonest names of each country, a few dozen
// per country; with them, namesakes born the same year are many times
// commoner than in real populations (a Romanian woman shares given and
// family name with one woman in 280 there, against about one in several
// thousand in Romania), and they dominate the false links of the year
// keys. loadNamePools replaces them by the lists in testdata/names
// (testdata/names/README.md: hundreds of names per country from the
// locale data of @faker-js/faker 10.6.0 and Python Faker 0.9.3, MIT, after
// the same heads; hand-written for Bulgaria, Thailand and Albania), drawn
// with Zipf–Mandelbrot weights 1/(rank+10): name frequencies fall off as a
// power of their rank, and the offset keeps a short list's head from
// taking a share no real name has. Vietnamese family names keep their
// published shares (Nguyễn 38%), so that the hardest case of real data —
// a handful of family names and the middle names Thị and Văn — stays in.
//
// MORKETALL_NAMES=small keeps the literal pools (uniform draws), to
// compare with measurements made before.
func init() {
	if os.Getenv("MORKETALL_NAMES") == "small" {
		return
	}
	if err := loadNamePools(filepath.Join("..", "testdata", "names")); err != nil {
		panic(err)
	}
}

// namePoolOffset is the q of the Zipf–Mandelbrot weights 1/(rank+q).
const namePoolOffset = 10

func loadNamePools(dir string) error {
	read := func(name string) ([][]string, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		var rows [][]string
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			rows = append(rows, strings.Split(l, "|"))
		}
		return rows, nil
	}
	pairs := func(rows [][]string, col int) [][2]string {
		out := make([][2]string, len(rows))
		for i, r := range rows {
			switch {
			case len(r) == 1:
				out[i] = [2]string{r[0], r[0]}
			default:
				out[i] = [2]string{r[col], r[col+1]}
			}
		}
		return out
	}
	weights := func(n int) []float64 {
		w := make([]float64, n)
		for i := range w {
			w[i] = 1 / float64(i+1+namePoolOffset)
		}
		return w
	}
	for i := range origins {
		o := &origins[i]
		f, err := read(o.iso3 + "_female.txt")
		if err != nil {
			return err
		}
		m, err := read(o.iso3 + "_male.txt")
		if err != nil {
			return err
		}
		o.femaleGiven, o.femaleWeights = pairs(f, 0), weights(len(f))
		o.maleGiven, o.maleWeights = pairs(m, 0), weights(len(m))
		if o.iso3 == "VNM" {
			continue // family names: the literal pool and its published shares
		}
		fam, err := read(o.iso3 + "_family.txt")
		if err != nil {
			return err
		}
		o.family, o.familyWeights = pairs(fam, 0), weights(len(fam))
		o.familyFemale = nil
		if len(fam[0]) == 4 {
			o.familyFemale = pairs(fam, 2)
		}
		if o.iso3 == "LTU" {
			o.familyFemale = make([][2]string, len(o.family))
			for j, x := range o.family {
				v := lithuanianMarried(x[0])
				o.familyFemale[j] = [2]string{v, v}
			}
		}
	}
	return nil
}

// lithuanianMarried is the married woman's form of a Lithuanian family
// name: Kazlauskas → Kazlauskienė, Stankevičius → Stankevičienė, Butkus →
// Butkienė; names in -a or -ė stay.
func lithuanianMarried(s string) string {
	for _, suf := range []string{"ius", "as", "is", "us", "ys"} {
		if strings.HasSuffix(s, suf) {
			return strings.TrimSuffix(s, suf) + "ienė"
		}
	}
	return s
}
