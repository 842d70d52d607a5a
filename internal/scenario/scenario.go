// Package scenario generates the fictional world of "morketall demo": a
// population of trafficking victims in an imaginary country, the agencies
// that meet some of them, and the messy extracts those agencies would hand
// over. Everything is synthetic; the names are drawn from small pools of
// common names and no record describes a real person.
//
// # The world
//
// The shape follows the public aggregate figures of Norway's 2020
// coordination-unit report (../shared/SCENARIO.md): about 250 distinct
// adults are known to at least one of nine agencies — the police, the
// immigration directorate, a national shelter coordinator, two residential
// shelters for women and one for men, a municipal support office, child
// welfare and an assisted-return programme — out of a larger population
// that includes victims no agency saw. Victims are mostly women; sexual
// exploitation dominates among women and labour exploitation among men;
// regions of origin are Eastern Europe, Africa, Asia, Western Europe, South
// America and the Middle East in roughly the reported proportions.
//
// Who sees whom is not independent, as in reality: a person's visibility
// varies (heterogeneity), shelters take people referred by the coordinator
// or the municipal office, the assisted-return programme takes people who
// had a decision from the immigration directorate, and a police report
// makes a reflection-period application more likely.
//
// # The records
//
// Each agency writes its extract in the default column layout of the
// pseudonym package but in its own habits: date formats (dd.mm.yyyy,
// yyyy-mm-dd, year only), sex codes (F/M, K/M, kvinne/mann), exploitation
// terms in English or Norwegian, semicolon or comma delimiters, full names
// in one column or split. Noise follows what the report describes: swapped
// given and family names, dropped diacritics, Cyrillic spellings and
// differing transliterations, missing birth dates and 1 January
// placeholders, D-numbers in one agency and a fødselsnummer (issued after a
// permit) in another, occasional typing errors and within-list duplicates;
// and what real exports add (linkage issue 11): two old systems export
// Windows-1252, so letters it lacks (ș, ă, ư, Cyrillic) arrive as "?"; some
// agencies leave the date of birth out when they record an identity
// number, or kept the number in a spreadsheet that dropped its leading
// zero; a Latin letter now and then typed with a Cyrillic keyboard layout
// (two scripts in one word), day and month swapped, a second given name
// recorded or not, sex not recorded.
//
// # Truth
//
// The World keeps the truth that real data never has: which person each
// record belongs to and how many people exist. The demo prints it, so a
// user can compare the estimate with the answer.
//
// Generate is deterministic for a seed, on every platform.
package scenario

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/morketall/morketall/mse"
)

// DefaultSeed is the seed of the demo's world.
const DefaultSeed = 2020

// DefaultPopulation is the number of victims in the demo's world, seen or
// not.
const DefaultPopulation = 400

// Options control Generate. A nil *Options means the defaults.
type Options struct {
	// Seed fixes the world. Default DefaultSeed (0 is taken as the default).
	Seed uint64
	// Population is the true number of victims. Default DefaultPopulation.
	Population int
}

// Agency is one list holder.
type Agency struct {
	// List is the list name used in pseudonymised files and tables.
	List string
	// Description says who the agency is, in a few words.
	Description string
}

// Agencies are the nine list holders of the scenario, in list order.
var Agencies = []Agency{
	{"POLICE", "police: reports of trafficking offences"},
	{"IMMIGRATION", "immigration directorate: reflection periods and permits"},
	{"COORD", "national shelter coordinator: crisis accommodation and follow-up"},
	{"SHELTER_W1", "residential shelter for women"},
	{"SHELTER_W2", "small residential shelter for women"},
	{"SHELTER_M", "residential shelter for men"},
	{"MUNICIPAL", "municipal support office"},
	{"CHILD_WELFARE", "child welfare services (young adults known since childhood)"},
	{"RETURN", "assisted-return programme"},
}

// Columns are the extract columns: the default schema of package pseudonym.
var Columns = []string{"given_name", "family_name", "full_name", "birth_date", "sex", "nationality", "national_id", "exploitation"}

// Person is one victim in the fictional world.
type Person struct {
	ID           int
	Sex          string // F or M
	Exploitation string // sexual, labour, both, other
	Region       string // eastern_europe, africa, asia, western_europe, south_america, middle_east
	Nationality  string // ISO 3166-1 alpha-3
	Given        string // in the Latin script
	Given2       string // a second given name, or ""
	Family       string
	GivenCyr     string // the name in Cyrillic, when the person's script is Cyrillic
	FamilyCyr    string
	BirthYear    int
	BirthMonth   int
	BirthDay     int
	DNumber      string // Norwegian D-number, or ""
	BirthNumber  string // fødselsnummer issued later, or ""
	// Lists holds the indices (into Agencies) of the lists the person is on.
	Lists []int
}

// Extract is one agency's extract with the truth behind it.
type Extract struct {
	Agency    Agency
	Delimiter rune
	Rows      [][]string // in Columns order
	// PersonIDs[i] is the person of Rows[i]: the truth, never written.
	PersonIDs []int
}

// World is a generated scenario.
type World struct {
	Seed     uint64
	People   []Person // everyone, seen or not
	Extracts []Extract
}

// Total is the true number of victims.
func (w *World) Total() int { return len(w.People) }

// Observed is the true number of distinct people on at least one list.
func (w *World) Observed() int {
	n := 0
	for _, p := range w.People {
		if len(p.Lists) > 0 {
			n++
		}
	}
	return n
}

// Records is the number of records over all extracts.
func (w *World) Records() int {
	n := 0
	for _, e := range w.Extracts {
		n += len(e.Rows)
	}
	return n
}

// TrueTable is the overlap table a perfect linkage would give.
func (w *World) TrueTable() *mse.Table {
	pats, cs := w.patternCounts("")
	t, err := mse.NewTable(listNames(), pats, cs)
	if err != nil {
		panic("scenario: " + err.Error()) // a bug: the patterns are valid by construction
	}
	return t
}

func listNames() []string {
	lists := make([]string, len(Agencies))
	for i, a := range Agencies {
		lists[i] = a.List
	}
	return lists
}

// patternCounts counts the people seen by each combination of lists, in
// increasing pattern order; sex, when not empty, keeps only that sex.
func (w *World) patternCounts(sex string) ([]mse.Pattern, []int) {
	counts := map[mse.Pattern]int{}
	for _, p := range w.People {
		if sex != "" && p.Sex != sex {
			continue
		}
		var pat mse.Pattern
		for _, l := range p.Lists {
			pat |= 1 << uint(l)
		}
		if pat != 0 {
			counts[pat]++
		}
	}
	pats := make([]mse.Pattern, 0, len(counts))
	for p := range counts {
		pats = append(pats, p)
	}
	slices.Sort(pats)
	cs := make([]int, len(pats))
	for i, p := range pats {
		cs[i] = counts[p]
	}
	return pats, cs
}

// Names returns every name string written into any extract (given, family
// and full names in every spelling used). Tests use it as a privacy canary:
// none of these may appear in a file that is not an extract.
func (w *World) Names() []string {
	seen := map[string]bool{}
	for _, e := range w.Extracts {
		for _, r := range e.Rows {
			for _, c := range []int{0, 1, 2} {
				if r[c] != "" {
					seen[r[c]] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// WriteCSV writes the extract as CSV (UTF-8, the agency's delimiter).
func (e *Extract) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Comma = e.Delimiter
	if err := cw.Write(Columns); err != nil {
		return err
	}
	if err := cw.WriteAll(e.Rows); err != nil {
		return err
	}
	return cw.Error()
}

// Generate builds the world for the options.
func Generate(opts *Options) *World {
	o := Options{Seed: DefaultSeed, Population: DefaultPopulation}
	if opts != nil {
		if opts.Seed != 0 {
			o.Seed = opts.Seed
		}
		if opts.Population > 0 {
			o.Population = opts.Population
		}
	}
	g := &gen{rng: rand.New(rand.NewPCG(o.Seed, 0x6d6f726b6574616c)), usedIDs: map[string]bool{}}
	w := &World{Seed: o.Seed}
	for i := range o.Population {
		p := g.person(i + 1)
		w.People = append(w.People, p)
	}
	for i := range w.People {
		g.capture(&w.People[i])
	}
	for li, a := range Agencies {
		w.Extracts = append(w.Extracts, g.extract(li, a, w.People))
	}
	return w
}

type gen struct {
	rng     *rand.Rand
	usedIDs map[string]bool
}

func (g *gen) pick(weights []float64) int {
	sum := 0.0
	for _, x := range weights {
		sum += x
	}
	u := g.rng.Float64() * sum
	for i, x := range weights {
		if u < x {
			return i
		}
		u -= x
	}
	return len(weights) - 1
}

func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

func (g *gen) oneOf(s []string) string { return s[g.rng.IntN(len(s))] }

// origin is a region with its nationalities and name pools.
type origin struct {
	region    string
	weight    float64 // share of victims, from the 2020 figures
	countries []string
	female    []string
	male      []string
	family    []string
}

var origins = []origin{
	{region: "eastern_europe", weight: 95, countries: []string{"ROU", "BGR", "UKR", "RUS", "LTU", "ALB", "MDA"},
		female: []string{"Ioana", "Elena", "Mariana", "Yuliya", "Olena", "Natalia", "Svetlana", "Daria", "Irina", "Ana-Maria", "Kristina", "Viktoria"},
		male:   []string{"Ion", "Andrei", "Mihai", "Oleksandr", "Dmitriy", "Sergei", "Vasile", "Nikolai"},
		family: []string{"Popescu", "Ionescu", "Ștefănescu", "Dumitru", "Kovalenko", "Shevchenko", "Ivanov", "Petrov", "Kuznetsov", "Bondarenko", "Hoxha", "Petrauskas"}},
	{region: "africa", weight: 82, countries: []string{"NGA", "NGA", "NGA", "GHA", "ERI", "KEN", "CMR"},
		female: []string{"Blessing", "Joy", "Precious", "Faith", "Gift", "Mercy", "Esther", "Happiness", "Chioma", "Amina", "Abena", "Winnie"},
		male:   []string{"Emmanuel", "Chinedu", "Kwame", "Samuel", "Ibrahim", "Tesfaye", "Kofi"},
		family: []string{"Okafor", "Eze", "Obi", "Adeyemi", "Osagie", "Igbinedion", "Mensah", "Asante", "Tesfay", "Kamau", "Uwadiae", "Nwosu"}},
	{region: "asia", weight: 39, countries: []string{"VNM", "THA", "CHN", "PHL"},
		female: []string{"Thị Lan", "Thị Hương", "Somchai", "Malee", "Li Na", "Mei", "Maria Cristina", "Thị Mai"},
		male:   []string{"Văn Minh", "Văn Hùng", "Wei", "Anan", "Jun"},
		family: []string{"Nguyễn", "Trần", "Lê", "Phạm", "Srisai", "Wongsuwan", "Wang", "Zhang", "Santos", "Reyes"}},
	{region: "western_europe", weight: 19, countries: []string{"ESP", "ITA", "PRT", "FRA"},
		female: []string{"María José", "Giulia", "Inês", "Chloé", "Lucía"},
		male:   []string{"José", "Marco", "João", "Luc"},
		family: []string{"García López", "Rossi", "Gonçalves", "Dubois", "Fernández", "da Silva"}},
	{region: "south_america", weight: 18, countries: []string{"BRA", "COL", "VEN", "PRY"},
		female: []string{"Ana Paula", "Luz Marina", "Daniela", "Yesenia", "Fernanda"},
		male:   []string{"Luis", "Carlos", "João Pedro"},
		family: []string{"Gómez", "Rodríguez", "dos Santos", "Pérez", "Álvarez", "Souza"}},
	{region: "middle_east", weight: 1, countries: []string{"SYR", "IRQ"},
		female: []string{"Fatima", "Layla"},
		male:   []string{"Ahmad", "Omar"},
		family: []string{"al-Hassan", "Abu Khalil", "el-Masri"}},
}

// Cyrillic spellings of the Eastern European names that have one.
var cyrillicOf = map[string]string{
	"Yuliya": "Юлия", "Olena": "Олена", "Natalia": "Наталья", "Svetlana": "Светлана", "Daria": "Дарья",
	"Irina": "Ирина", "Oleksandr": "Олександр", "Dmitriy": "Дмитрий", "Sergei": "Сергей", "Nikolai": "Николай",
	"Kovalenko": "Коваленко", "Shevchenko": "Шевченко", "Ivanov": "Иванов", "Petrov": "Петров",
	"Kuznetsov": "Кузнецов", "Bondarenko": "Бондаренко", "Viktoria": "Виктория", "Kristina": "Кристина",
}

// Other Latin transliterations an agency may have used.
var translit = map[string][]string{
	"Yuliya": {"Iuliia", "Julia", "Yulia"}, "Natalia": {"Natalya", "Nataliia"}, "Daria": {"Darya", "Dariia"},
	"Dmitriy": {"Dmitry", "Dmitrii"}, "Sergei": {"Sergey", "Serhii"}, "Oleksandr": {"Aleksandr", "Alexander"},
	"Kuznetsov": {"Kouznetsov"}, "Nikolai": {"Nikolay", "Mykola"}, "Olena": {"Elena", "Olena"},
	"Viktoria": {"Victoria", "Viktoriia"},
}

var femForm = map[string]string{"Ivanov": "Ivanova", "Petrov": "Petrova", "Kuznetsov": "Kuznetsova",
	"Иванов": "Иванова", "Петров": "Петрова", "Кузнецов": "Кузнецова"}

func (g *gen) person(id int) Person {
	p := Person{ID: id}
	// 180 women and 74 men among the 254 adults of 2020.
	if g.chance(180.0 / 254) {
		p.Sex = "F"
		p.Exploitation = []string{"sexual", "labour", "both", "other"}[g.pick([]float64{72, 18, 7, 3})]
	} else {
		p.Sex = "M"
		p.Exploitation = []string{"sexual", "labour", "both", "other"}[g.pick([]float64{8, 80, 8, 4})]
	}
	w := make([]float64, len(origins))
	for i, o := range origins {
		w[i] = o.weight
	}
	o := origins[g.pick(w)]
	p.Region = o.region
	p.Nationality = g.oneOf(o.countries)
	if p.Sex == "F" {
		p.Given = g.oneOf(o.female)
	} else {
		p.Given = g.oneOf(o.male)
	}
	if g.chance(0.2) {
		pool := o.male
		if p.Sex == "F" {
			pool = o.female
		}
		if second := g.oneOf(pool); second != p.Given {
			p.Given2 = second
		}
	}
	p.Family = g.oneOf(o.family)
	if p.Sex == "F" {
		if f, ok := femForm[p.Family]; ok {
			p.Family = f
		}
	}
	if c, ok := cyrillicOf[p.Given]; ok && (p.Nationality == "UKR" || p.Nationality == "RUS") {
		p.GivenCyr = c
		base := p.Family
		if p.Sex == "F" {
			for k, v := range femForm {
				if v == p.Family {
					base = k
				}
			}
		}
		if fc, ok := cyrillicOf[base]; ok {
			if p.Sex == "F" && femForm[fc] != "" {
				fc = femForm[fc]
			}
			p.FamilyCyr = fc
		}
	}
	// Adults aged 18 to about 50 in 2020, most in their twenties.
	age := 18 + int(math.Min(32, math.Abs(g.rng.NormFloat64()*9)))
	p.BirthYear = 2020 - age - g.rng.IntN(2)
	p.BirthMonth = 1 + g.rng.IntN(12)
	p.BirthDay = 1 + g.rng.IntN(daysIn(p.BirthYear, p.BirthMonth))
	return p
}

// daysIn is the number of days in month m of year y.
func daysIn(y, m int) int { return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// capture decides the lists a person is on. Probabilities were tuned so
// that list sizes and the share of people seen resemble the scenario.
func (g *gen) capture(p *Person) {
	// Heterogeneity: a log-normal visibility multiplier.
	v := math.Exp(g.rng.NormFloat64()*0.25 - 0.03)
	on := make([]bool, len(Agencies))
	pr := func(x float64) bool { return g.chance(math.Min(0.95, x*v)) }
	sexual := p.Exploitation == "sexual" || p.Exploitation == "both"
	labour := p.Exploitation == "labour" || p.Exploitation == "both"
	young := 2020-p.BirthYear <= 19
	// COORD: the shelter coordinator meets most women in sexual exploitation.
	switch {
	case p.Sex == "F" && sexual:
		on[2] = pr(0.42)
	case p.Sex == "F":
		on[2] = pr(0.22)
	default:
		on[2] = pr(0.14)
	}
	// POLICE: labour cases are reported more often than sexual ones.
	if labour {
		on[0] = pr(0.30)
	} else {
		on[0] = pr(0.17)
	}
	// MUNICIPAL: men in labour exploitation, and people the coordinator sends.
	switch {
	case p.Sex == "M" && labour:
		on[6] = pr(0.30)
	case on[2]:
		on[6] = pr(0.10)
	default:
		on[6] = pr(0.12)
	}
	// IMMIGRATION: a police report makes a reflection period more likely.
	if on[0] {
		on[1] = pr(0.42)
	} else {
		on[1] = pr(0.16)
	}
	// Shelters take referred people only.
	referred := on[2] || on[6]
	if p.Sex == "F" && referred {
		on[3] = pr(0.22)
		on[4] = sexual && pr(0.07)
	}
	if p.Sex == "M" && referred {
		on[5] = pr(0.30)
	}
	// CHILD_WELFARE: young adults known since they were minors.
	if young {
		on[7] = pr(0.15)
	}
	// RETURN: people with a decision from the immigration directorate.
	if on[1] {
		on[8] = pr(0.2)
	} else {
		on[8] = pr(0.015)
	}
	for i, b := range on {
		if b {
			p.Lists = append(p.Lists, i)
		}
	}
	// Identity numbers: the immigration directorate gives D-numbers; some
	// of those people later get a fødselsnummer with a permit.
	if on[1] || (on[0] && g.chance(0.3)) || g.chance(0.04) {
		p.DNumber = g.idNumber(p, true)
		if on[1] && g.chance(0.25) {
			p.BirthNumber = g.idNumber(p, false)
		}
	}
}

// idNumber makes a valid, unused D-number or fødselsnummer for the
// person's birth date (PRIVACY.md, step 5).
func (g *gen) idNumber(p *Person, dnumber bool) string {
	for {
		day := p.BirthDay
		if dnumber {
			day += 40
		}
		var ind int
		if p.BirthYear < 2000 {
			ind = g.rng.IntN(500)
		} else {
			ind = 500 + g.rng.IntN(500)
		}
		s := fmt.Sprintf("%02d%02d%02d%03d", day, p.BirthMonth, p.BirthYear%100, ind)
		d := make([]int, 11)
		for i := range 9 {
			d[i] = int(s[i] - '0')
		}
		k1 := 11 - weighted(d[:9], []int{3, 7, 6, 1, 8, 9, 4, 5, 2})%11
		if k1 == 11 {
			k1 = 0
		}
		if k1 == 10 {
			continue
		}
		d[9] = k1
		k2 := 11 - weighted(d[:10], []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2})%11
		if k2 == 11 {
			k2 = 0
		}
		if k2 == 10 {
			continue
		}
		s += fmt.Sprintf("%d%d", k1, k2)
		if g.usedIDs[s] {
			continue
		}
		g.usedIDs[s] = true
		return s
	}
}

func weighted(d, w []int) int {
	s := 0
	for i := range w {
		s += d[i] * w[i]
	}
	return s
}

// habits describe how an agency writes its records.
type habits struct {
	delim      rune
	dateFmt    string  // "dmy" dd.mm.yyyy, "iso" yyyy-mm-dd, "slash" dd/mm/yyyy
	yearOnly   float64 // share of dates written as a year only
	missingDOB float64
	placehold  float64 // share of dates replaced by 01.01.yyyy
	fullName   bool    // one full_name column instead of given/family
	sexCodes   [2]string
	norwegian  bool   // exploitation terms in Norwegian
	nid        string // "d" D-number, "fnr" fødselsnummer when known, "" none
	cyrillic   float64
	translit   float64
	swap       float64
	asciiOnly  float64 // share of names written without diacritics
	typo       float64
	dup        float64 // share of persons recorded twice
	dropSecond float64 // a second given name left out
	missingSex float64 // sex not recorded
	codePage   bool    // an old system exporting Windows-1252: letters it lacks become "?"
	noDOBIfNID float64 // the date of birth left out when an identity number is recorded
	excelNID   float64 // the identity number went through a spreadsheet: a leading zero lost
}

// Record-level noise at every agency: a Latin letter typed with a
// Cyrillic keyboard layout (mixed scripts), day and month swapped.
const (
	mixedScriptRate = 0.01
	dayMonthRate    = 0.015
)

var agencyHabits = []habits{
	{delim: ';', dateFmt: "dmy", missingDOB: 0.03, placehold: 0.05, sexCodes: [2]string{"K", "M"}, norwegian: true, nid: "d", cyrillic: 0.3, translit: 0.15, swap: 0.05, asciiOnly: 0.5, typo: 0.01, dup: 0.04, dropSecond: 0.3, missingSex: 0.02, codePage: true},                        // POLICE
	{delim: ',', dateFmt: "iso", missingDOB: 0.01, placehold: 0.08, sexCodes: [2]string{"F", "M"}, nid: "fnr", translit: 0.05, swap: 0.03, asciiOnly: 0.1, typo: 0.005, dropSecond: 0.05, missingSex: 0.01, excelNID: 0.3},                                                                // IMMIGRATION
	{delim: ';', dateFmt: "dmy", yearOnly: 0.1, missingDOB: 0.1, placehold: 0.1, fullName: true, sexCodes: [2]string{"kvinne", "mann"}, norwegian: true, translit: 0.3, swap: 0.15, asciiOnly: 0.3, typo: 0.01, dup: 0.03, dropSecond: 0.3, missingSex: 0.05},                             // COORD
	{delim: ';', dateFmt: "dmy", missingDOB: 0.12, placehold: 0.1, fullName: true, sexCodes: [2]string{"K", "M"}, norwegian: true, translit: 0.3, swap: 0.2, asciiOnly: 0.6, typo: 0.01, dropSecond: 0.4, missingSex: 0.03},                                                               // SHELTER_W1
	{delim: ',', dateFmt: "slash", yearOnly: 0.3, missingDOB: 0.1, sexCodes: [2]string{"F", "M"}, translit: 0.3, swap: 0.2, asciiOnly: 0.6, dropSecond: 0.4, missingSex: 0.2},                                                                                                             // SHELTER_W2
	{delim: ';', dateFmt: "dmy", missingDOB: 0.15, placehold: 0.1, sexCodes: [2]string{"K", "M"}, norwegian: true, translit: 0.3, swap: 0.1, asciiOnly: 0.6, typo: 0.01, dropSecond: 0.3, missingSex: 0.03},                                                                               // SHELTER_M
	{delim: ';', dateFmt: "dmy", missingDOB: 0.05, placehold: 0.06, sexCodes: [2]string{"kvinne", "mann"}, norwegian: true, nid: "d", cyrillic: 0.2, translit: 0.2, swap: 0.1, asciiOnly: 0.4, typo: 0.01, dup: 0.05, dropSecond: 0.3, missingSex: 0.05, codePage: true, noDOBIfNID: 0.3}, // MUNICIPAL
	{delim: ',', dateFmt: "iso", sexCodes: [2]string{"F", "M"}, nid: "d", translit: 0.1, swap: 0.05, asciiOnly: 0.3, dropSecond: 0.1, missingSex: 0.01},                                                                                                                                   // CHILD_WELFARE
	{delim: ',', dateFmt: "iso", missingDOB: 0.02, placehold: 0.04, sexCodes: [2]string{"female", "male"}, nid: "d", translit: 0.1, swap: 0.05, asciiOnly: 0.2, dropSecond: 0.2, missingSex: 0.1, noDOBIfNID: 0.5},                                                                        // RETURN
}

var exploitationNO = map[string]string{"sexual": "seksuell utnytting", "labour": "tvangsarbeid", "both": "begge", "other": "annet"}

func (g *gen) extract(li int, a Agency, people []Person) Extract {
	h := agencyHabits[li]
	e := Extract{Agency: a, Delimiter: h.delim}
	type rec struct {
		row []string
		id  int
	}
	var recs []rec
	for i := range people {
		p := &people[i]
		if !slices.Contains(p.Lists, li) {
			continue
		}
		n := 1
		if g.chance(h.dup) {
			n = 2
		}
		for range n {
			recs = append(recs, rec{g.record(p, h), p.ID})
		}
	}
	// Agencies list people in their own order, not the world's.
	g.rng.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
	for _, r := range recs {
		e.Rows = append(e.Rows, r.row)
		e.PersonIDs = append(e.PersonIDs, r.id)
	}
	return e
}

func (g *gen) record(p *Person, h habits) []string {
	given, family := p.Given, p.Family
	second := p.Given2
	switch {
	case p.GivenCyr != "" && g.chance(h.cyrillic):
		given = p.GivenCyr
		if p.FamilyCyr != "" {
			family = p.FamilyCyr
		}
	case g.chance(h.translit):
		if alts, ok := translit[given]; ok {
			given = g.oneOf(alts)
		}
	}
	if second != "" && !g.chance(h.dropSecond) {
		given += " " + second
	}
	if g.chance(h.asciiOnly) {
		given, family = stripMarks(given), stripMarks(family)
	}
	if g.chance(h.typo) {
		family = typo(g, family)
	}
	if g.chance(mixedScriptRate) {
		if g.chance(0.5) {
			given = lookalike(g, given)
		} else {
			family = lookalike(g, family)
		}
	}
	if h.codePage {
		given, family = cp1252(given), cp1252(family)
	}
	row := make([]string, len(Columns))
	swap := g.chance(h.swap)
	if h.fullName {
		first, second := given, family
		if swap || (p.Region == "asia" && g.chance(0.5)) {
			first, second = family, given
		}
		row[2] = first + " " + second
	} else {
		if swap {
			given, family = family, given
		}
		row[0], row[1] = given, family
	}
	row[3] = g.date(p, h)
	switch {
	case g.chance(h.missingSex):
	case p.Sex == "F":
		row[4] = h.sexCodes[0]
	default:
		row[4] = h.sexCodes[1]
	}
	row[5] = p.Nationality
	switch h.nid {
	case "d":
		if p.DNumber != "" && g.chance(0.9) {
			row[6] = p.DNumber
		}
	case "fnr":
		if p.BirthNumber != "" {
			row[6] = p.BirthNumber
		} else if p.DNumber != "" {
			row[6] = p.DNumber
		}
	}
	if row[6] != "" {
		if g.chance(h.noDOBIfNID) {
			row[3] = "" // the number holds the date
		}
		if row[6][0] == '0' && g.chance(h.excelNID) {
			row[6] = row[6][1:]
		}
	}
	if h.norwegian {
		row[7] = exploitationNO[p.Exploitation]
	} else {
		row[7] = p.Exploitation
	}
	return row
}

func (g *gen) date(p *Person, h habits) string {
	switch {
	case g.chance(h.missingDOB):
		return ""
	case g.chance(h.yearOnly):
		return fmt.Sprint(p.BirthYear)
	}
	d, m := p.BirthDay, p.BirthMonth
	switch {
	case g.chance(h.placehold):
		d, m = 1, 1
	case d <= 12 && d != m && g.chance(dayMonthRate):
		d, m = m, d
	}
	switch h.dateFmt {
	case "iso":
		return fmt.Sprintf("%04d-%02d-%02d", p.BirthYear, m, d)
	case "slash":
		return fmt.Sprintf("%02d/%02d/%04d", d, m, p.BirthYear)
	}
	return fmt.Sprintf("%02d.%02d.%04d", d, m, p.BirthYear)
}

// marked and bare are parallel: the letters with diacritics used in the
// name pools and their keyboard-plain forms.
const (
	marked = "ăâîșțȘȚĂÂÎáéíóúàèìòùçãõêôñÁÉÍÓÚüđĐưƯơƠạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹýÊÔ"
	bare   = "aaistSTAAIaeiouaeioucaoeonAEIOUudDuUoOaaaaaaaaaaaaeeeeeeeeiioooooooooooouuuuuuuyyyyyEO"
)

var plain = func() map[rune]rune {
	m, b := []rune(marked), []rune(bare)
	if len(m) != len(b) {
		panic("scenario: marked and bare differ in length")
	}
	out := make(map[rune]rune, len(m))
	for i, r := range m {
		out[r] = b[i]
	}
	return out
}()

// stripMarks writes a name the way a keyboard without the right letters
// would: diacritics dropped (Ș → S, ễ → e).
func stripMarks(s string) string {
	return strings.Map(func(r rune) rune {
		if b, ok := plain[r]; ok {
			return b
		}
		return r
	}, s)
}

// cp1252 writes s as an export in Windows-1252 read back would: every
// letter the code page lacks (ș, ț, ă, Đ, ư, Cyrillic, …) becomes "?".
func cp1252(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 || r >= 0xA0 && r <= 0xFF || strings.ContainsRune("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ", r) {
			return r
		}
		return '?'
	}, s)
}

// lookalikes are Latin letters and the Cyrillic letters that look the same.
var lookalikes = map[rune]rune{'a': 'а', 'e': 'е', 'o': 'о', 'p': 'р', 'c': 'с', 'x': 'х', 'y': 'у', 'i': 'і'}

// lookalike replaces one letter of s that has a Cyrillic look-alike, as a
// keyboard layout switched in the middle of a word does.
func lookalike(g *gen, s string) string {
	rs := []rune(s)
	var idx []int
	for i, r := range rs {
		if _, ok := lookalikes[r]; ok {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return s
	}
	i := idx[g.rng.IntN(len(idx))]
	rs[i] = lookalikes[rs[i]]
	return string(rs)
}

// typo swaps two adjacent letters of a name or doubles one.
func typo(g *gen, s string) string {
	r := []rune(s)
	if len(r) < 4 {
		return s
	}
	i := 1 + g.rng.IntN(len(r)-2)
	if g.chance(0.5) {
		r[i], r[i+1] = r[i+1], r[i]
		return string(r)
	}
	return string(r[:i]) + string(r[i]) + string(r[i:])
}

// TrueTableBySex is TrueTable with a stratum column "sex" (F, M).
func (w *World) TrueTableBySex() *mse.Table {
	t := &mse.Table{Lists: listNames(), Strata: []string{"sex"}}
	for _, sex := range []string{"F", "M"} {
		pats, cs := w.patternCounts(sex)
		for i, p := range pats {
			t.Rows = append(t.Rows, mse.Row{Pattern: p, Stratum: []string{sex}, Count: cs[i]})
		}
	}
	return t
}
