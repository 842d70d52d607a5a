package linkage

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"
)

// A synthetic population of presumed victims and the extracts that six
// agencies would hold about them, with the noise SCENARIO.md describes:
// names transliterated from other scripts, swapped given and family
// names, dropped diacritics and particles, a second given name recorded or
// not, typos, missing, placeholder and mistyped dates of birth, a D-number
// in one list and a fødselsnummer in another, and people registered twice
// by the same agency. Everything is fictional and drawn from a seeded PCG.

// origin is a country with its name pools. Names come as (native, Latin)
// pairs: the native form is what a person writes in their own script, the
// Latin form what their passport and most agencies use. For Latin-script
// countries both are the same (with diacritics).
type origin struct {
	iso3, iso2     string
	weight         float64
	femaleGiven    [][2]string
	maleGiven      [][2]string
	family         [][2]string // for Bulgarian-style languages the male form; see feminine
	feminine       func(string) string
	familyFirst    bool      // names are written family name first at home
	middleFemale   string    // Vietnamese "Thị"
	middleMale     string    // Vietnamese "Văn"
	familyWeights  []float64 // optional: skewed family-name frequencies
	compoundFamily float64   // share with two family names (Brazil: "da Silva Santos")
	// Loaded from testdata/names (see names.go's loadNamePools): the
	// weights of the given names, and the female forms of family names
	// where they are written differently (Ukrainian).
	femaleWeights, maleWeights []float64
	familyFemale               [][2]string
}

func same(xs ...string) [][2]string {
	out := make([][2]string, len(xs))
	for i, x := range xs {
		out[i] = [2]string{x, x}
	}
	return out
}

var origins = []origin{
	{iso3: "ROU", iso2: "RO", weight: 0.22,
		femaleGiven: same("Ioana", "Maria", "Elena", "Andreea", "Mihaela", "Alexandra", "Ștefania", "Mădălina", "Cristina", "Florentina", "Georgiana", "Denisa", "Alina", "Roxana"),
		maleGiven:   same("Ion", "Mihai", "Andrei", "Ștefan", "Gheorghe", "Constantin", "Florin", "Răzvan", "Marius", "Cătălin"),
		family:      same("Popescu", "Ionescu", "Popa", "Dumitrescu", "Stan", "Stoica", "Gheorghiu", "Munteanu", "Constantinescu", "Dinu", "Lungu", "Țăranu", "Bălan", "Năstase", "Mureșan", "Rădulescu", "Enache", "Vasile", "Zamfir", "Dobre")},
	{iso3: "BGR", iso2: "BG", weight: 0.10,
		femaleGiven: [][2]string{{"Мария", "Maria"}, {"Иванка", "Ivanka"}, {"Елена", "Elena"}, {"Десислава", "Desislava"}, {"Йорданка", "Yordanka"}, {"Цветелина", "Tsvetelina"}, {"Гергана", "Gergana"}, {"Радостина", "Radostina"}},
		maleGiven:   [][2]string{{"Георги", "Georgi"}, {"Иван", "Ivan"}, {"Димитър", "Dimitar"}, {"Николай", "Nikolay"}, {"Христо", "Hristo"}},
		family:      [][2]string{{"Иванов", "Ivanov"}, {"Петров", "Petrov"}, {"Георгиев", "Georgiev"}, {"Димитров", "Dimitrov"}, {"Николов", "Nikolov"}, {"Стоянов", "Stoyanov"}, {"Христов", "Hristov"}, {"Тодоров", "Todorov"}, {"Йорданов", "Yordanov"}},
		feminine:    func(s string) string { return s + "а" }},
	{iso3: "UKR", iso2: "UA", weight: 0.06,
		femaleGiven: [][2]string{{"Оксана", "Oksana"}, {"Олена", "Olena"}, {"Юлія", "Yuliia"}, {"Наталія", "Nataliia"}, {"Ірина", "Iryna"}, {"Тетяна", "Tetiana"}},
		maleGiven:   [][2]string{{"Андрій", "Andrii"}, {"Олександр", "Oleksandr"}, {"Дмитро", "Dmytro"}, {"Сергій", "Serhii"}},
		family:      [][2]string{{"Шевченко", "Shevchenko"}, {"Коваленко", "Kovalenko"}, {"Бондаренко", "Bondarenko"}, {"Ткаченко", "Tkachenko"}, {"Мельник", "Melnyk"}, {"Кравченко", "Kravchenko"}, {"Олійник", "Oliinyk"}}},
	{iso3: "NGA", iso2: "NG", weight: 0.25,
		femaleGiven: same("Blessing", "Joy", "Favour", "Precious", "Mercy", "Gift", "Esther", "Peace", "Happiness", "Faith", "Patience", "Osas", "Efe", "Ivie", "Osaretin", "Omosede"),
		maleGiven:   same("Emmanuel", "Samuel", "Osagie", "Friday", "Sunday", "Kingsley"),
		family:      same("Okafor", "Okonkwo", "Adeyemi", "Eze", "Obi", "Nwosu", "Osagie", "Igbinedion", "Omoregie", "Edosomwan", "Osaro", "Ehigiator", "Aigbe", "Iyamu", "Ogbeide", "Uwaifo", "Enabulele", "Obasuyi", "Idahosa", "Agbonifo")},
	{iso3: "VNM", iso2: "VN", weight: 0.12, familyFirst: true, middleFemale: "Thị", middleMale: "Văn",
		femaleGiven:   same("Lan", "Hương", "Mai", "Linh", "Thảo", "Hoa", "Ngọc", "Anh", "Trang", "Hạnh", "Huyền", "Nhung", "Phương", "Thu", "Yến"),
		maleGiven:     same("Minh", "Tuấn", "Hùng", "Dũng", "Nam", "Đức", "Long"),
		family:        same("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ"),
		familyWeights: []float64{0.38, 0.11, 0.095, 0.07, 0.051, 0.045, 0.039, 0.021, 0.02, 0.014}},
	{iso3: "THA", iso2: "TH", weight: 0.07,
		femaleGiven: same("Siriporn", "Malee", "Somjit", "Kanya", "Ploy", "Nok", "Wanida", "Sunisa", "Pranee"),
		maleGiven:   same("Somchai", "Anan", "Prasert"),
		family:      same("Saetang", "Srisuk", "Wongsa", "Chaiyaporn", "Kongkaew", "Boonmee", "Thongdee", "Suwannarat", "Phromma", "Jaidee")},
	{iso3: "ALB", iso2: "AL", weight: 0.06,
		femaleGiven: same("Ardita", "Blerta", "Elira", "Jonida", "Klea", "Anisa"),
		maleGiven:   same("Arben", "Besnik", "Dritan", "Gentian", "Ilir", "Klodian", "Erion"),
		family:      same("Hoxha", "Shehu", "Dervishi", "Kola", "Leka", "Gjoka", "Çela", "Marku", "Prifti", "Basha")},
	{iso3: "BRA", iso2: "BR", weight: 0.06, compoundFamily: 0.5,
		femaleGiven: same("Ana", "Maria", "Juliana", "Fernanda", "Camila", "Letícia", "Patrícia", "Gabriela"),
		maleGiven:   same("João", "Lucas", "Thiago", "Rafael"),
		family:      same("da Silva", "dos Santos", "Oliveira", "de Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes", "da Costa", "Ribeiro")},
	{iso3: "LTU", iso2: "LT", weight: 0.06,
		femaleGiven: same("Rūta", "Eglė", "Jurgita", "Ieva", "Aušra"),
		maleGiven:   same("Tomas", "Mindaugas", "Darius", "Žydrūnas", "Andrius", "Giedrius", "Vytautas"),
		family:      same("Kazlauskas", "Jankauskas", "Petrauskas", "Stankevičius", "Vasiliauskas", "Žukauskas", "Butkus", "Paulauskas", "Urbonas", "Kavaliauskas")},
}

// person is one true individual.
type person struct {
	id           int
	orig         *origin
	female       bool
	given        [][2]string // one or two given names
	family       [][2]string // one or two family names
	middle       string      // Vietnamese middle name, part of the given names
	dob          time.Time
	dnr, fnr     string // D-number and fødselsnummer, "" when none
	exploitation string // sexual, labour, both, other
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func pickWeighted(rng *rand.Rand, w []float64) int {
	var s float64
	for _, x := range w {
		s += x
	}
	u := rng.Float64() * s
	for i, x := range w {
		if u < x {
			return i
		}
		u -= x
	}
	return len(w) - 1
}

// issuedIDs are the identity numbers given out so far: the registry
// never gives one number to two people.
var issuedIDs = map[string]bool{}

// nationalID returns a valid 11-digit identity number for the birth date,
// one not issued before: a fødselsnummer, or a D-number (first digit + 4).
func nationalID(rng *rand.Rand, dob time.Time, dnumber bool) string {
	for {
		id := drawNationalID(rng, dob, dnumber)
		if !issuedIDs[id] {
			issuedIDs[id] = true
			return id
		}
	}
}

func drawNationalID(rng *rand.Rand, dob time.Time, dnumber bool) string {
	for {
		ind := rng.IntN(500)
		if dob.Year() >= 2000 {
			ind += 500
		}
		day := dob.Day()
		if dnumber {
			day += 40
		}
		s := fmt.Sprintf("%02d%02d%02d%03d", day, int(dob.Month()), dob.Year()%100, ind)
		d := make([]int, 9)
		for i := range d {
			d[i] = int(s[i] - '0')
		}
		w1 := []int{3, 7, 6, 1, 8, 9, 4, 5, 2}
		w2 := []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
		sum := 0
		for i, w := range w1 {
			sum += w * d[i]
		}
		k1 := 11 - sum%11
		if k1 == 11 {
			k1 = 0
		}
		if k1 == 10 {
			continue
		}
		d = append(d, k1)
		sum = 0
		for i, w := range w2 {
			sum += w * d[i]
		}
		k2 := 11 - sum%11
		if k2 == 11 {
			k2 = 0
		}
		if k2 == 10 {
			continue
		}
		return fmt.Sprintf("%s%d%d", s, k1, k2)
	}
}

func newPerson(rng *rand.Rand, id int) *person {
	w := make([]float64, len(origins))
	for i, o := range origins {
		w[i] = o.weight
	}
	o := &origins[pickWeighted(rng, w)]
	p := &person{id: id, orig: o, female: rng.Float64() < 0.72}
	givenPool := o.maleGiven
	if p.female {
		givenPool = o.femaleGiven
	}
	givenW := o.maleWeights
	if p.female {
		givenW = o.femaleWeights
	}
	pickGiven := func() [2]string {
		if givenW != nil {
			return givenPool[pickWeighted(rng, givenW)]
		}
		return pick(rng, givenPool)
	}
	p.given = [][2]string{pickGiven()}
	if o.middleFemale == "" && rng.Float64() < 0.2 {
		second := pickGiven()
		if second != p.given[0] {
			p.given = append(p.given, second)
		}
	}
	if o.middleFemale != "" {
		p.middle = o.middleMale
		if p.female {
			p.middle = o.middleFemale
		}
	}
	fam := func() [2]string {
		var i int
		if o.familyWeights != nil {
			i = pickWeighted(rng, o.familyWeights)
		} else {
			i = rng.IntN(len(o.family))
		}
		f := o.family[i]
		if p.female && o.familyFemale != nil {
			return o.familyFemale[i]
		}
		if p.female && o.feminine != nil {
			f = [2]string{o.feminine(f[0]), f[1] + "a"}
		}
		return f
	}
	p.family = [][2]string{fam()}
	if rng.Float64() < o.compoundFamily {
		if f := fam(); f != p.family[0] {
			p.family = append(p.family, f)
		}
	}
	// Born 1975–2007: mostly young adults, some minors.
	p.dob = time.Date(1975, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(33*365))
	switch u := rng.Float64(); {
	case u < 0.12: // D-number only
		p.dnr = nationalID(rng, p.dob, true)
	case u < 0.17: // D-number first, fødselsnummer after a residence permit
		p.dnr = nationalID(rng, p.dob, true)
		p.fnr = nationalID(rng, p.dob, false)
	case u < 0.20: // fødselsnummer only
		p.fnr = nationalID(rng, p.dob, false)
	}
	p.exploitation = pickWeighted2(rng, []string{"sexual", "labour", "both", "other"}, []float64{0.55, 0.37, 0.06, 0.02})
	if !p.female && p.exploitation == "sexual" && rng.Float64() < 0.7 {
		p.exploitation = "labour"
	}
	return p
}

func pickWeighted2(rng *rand.Rand, xs []string, w []float64) string { return xs[pickWeighted(rng, w)] }

// agency describes who an agency sees and how it writes records down.
type agency struct {
	name string
	// capture returns the probability that the agency meets p.
	capture func(p *person) float64
	// Recording habits.
	dateFormat   string // Go layout
	sexWords     [2]string
	exploitWords map[string]string
	swapNames    float64 // given and family names swapped
	nativeScript float64 // Cyrillic names written in Cyrillic
	dropSecond   float64 // only the first given name recorded
	dropParticle float64 // "da Silva" written "Silva"
	upperFamily  bool
	fullName     bool    // one "full_name" column instead of two
	idRecorded   float64 // the identity number known to the person is written down
	prefersFNR   bool    // records the fødselsnummer when the person has both
	duplicates   float64 // the same person registered twice
	useISO2      bool
	// Export habits.
	codePage   bool    // the system exports Windows-1252: letters it lacks become "?"
	noDOBIfNID float64 // the date of birth is left out when an identity number is recorded
	excelNID   float64 // the identity number went through a spreadsheet: a leading zero is lost
	sexRecord  float64 // sex is recorded (default, 0: always)
}

var agencies = []agency{
	{name: "POLICE", capture: func(p *person) float64 { return ifElse(p.exploitation == "labour", 0.28, 0.18) },
		dateFormat: "02.01.2006", sexWords: [2]string{"K", "M"}, exploitWords: map[string]string{"sexual": "seksuell utnyttelse", "labour": "tvangsarbeid", "both": "begge", "other": "organfjerning"},
		swapNames: 0.08, dropSecond: 0.3, dropParticle: 0.2, upperFamily: true, idRecorded: 0.6, duplicates: 0.03, codePage: true, excelNID: 0.3},
	{name: "UDI", capture: func(p *person) float64 { return 0.25 },
		dateFormat: "2006-01-02", sexWords: [2]string{"F", "M"}, exploitWords: map[string]string{"sexual": "sexual", "labour": "labour", "both": "both", "other": "other"},
		swapNames: 0.04, dropSecond: 0.05, upperFamily: true, idRecorded: 0.9, duplicates: 0.02, useISO2: true},
	{name: "ROSA", capture: func(p *person) float64 { return ifElse(p.female, 0.32, 0.14) },
		dateFormat: "02.01.2006", sexWords: [2]string{"kvinne", "mann"}, exploitWords: map[string]string{"sexual": "seksuell", "labour": "arbeid", "both": "begge", "other": "annet"},
		swapNames: 0.15, nativeScript: 0.15, dropSecond: 0.2, dropParticle: 0.3, idRecorded: 0.3, duplicates: 0.05},
	{name: "HTSO", capture: func(p *person) float64 { return 0.14 },
		dateFormat: "02/01/2006", sexWords: [2]string{"K", "M"}, exploitWords: map[string]string{"sexual": "seksuell", "labour": "arbeid", "both": "begge", "other": "annet"},
		swapNames: 0.1, dropSecond: 0.2, idRecorded: 0.8, prefersFNR: true, duplicates: 0.04},
	{name: "SHELTER", capture: func(p *person) float64 { return ifElse(p.female && p.exploitation != "labour", 0.22, 0) },
		dateFormat: "02.01.2006", sexWords: [2]string{"kvinne", "mann"}, exploitWords: map[string]string{"sexual": "prostitusjon", "labour": "arbeid", "both": "begge", "other": "annet"},
		swapNames: 0.12, nativeScript: 0.1, dropSecond: 0.4, dropParticle: 0.4, fullName: true, idRecorded: 0.1, duplicates: 0.03},
	{name: "NGO", capture: func(p *person) float64 { return 0.18 },
		dateFormat: "2006-01-02", sexWords: [2]string{"female", "male"}, exploitWords: map[string]string{"sexual": "sexual exploitation", "labour": "forced labour", "both": "both", "other": "other"},
		swapNames: 0.12, nativeScript: 0.25, dropSecond: 0.3, dropParticle: 0.3, fullName: true, idRecorded: 0.1, duplicates: 0.04, useISO2: true},
	// A health service: an old system that exports Windows-1252, records
	// the identity number and often nothing else of the date of birth,
	// and sex only sometimes.
	{name: "HEALTH", capture: func(p *person) float64 { return 0.12 },
		dateFormat: "02.01.2006", sexWords: [2]string{"K", "M"}, exploitWords: map[string]string{"sexual": "seksuell", "labour": "arbeid", "both": "begge", "other": "annet"},
		swapNames: 0.1, dropSecond: 0.3, idRecorded: 0.85, prefersFNR: true, duplicates: 0.03, codePage: true, noDOBIfNID: 0.6, excelNID: 0.5, sexRecord: 0.7},
}

func ifElse(c bool, a, b float64) float64 {
	if c {
		return a
	}
	return b
}

// noise holds the record-level noise rates, the same at every agency, and
// scales the agencies' habit of writing Cyrillic names in Cyrillic.
type noise struct {
	typo         float64 // one letter of a name mistyped
	missingDOB   float64
	placeholder  float64 // day of birth unknown: 1 January of the year
	yearOff      float64 // year of birth off by one (an estimated age)
	dayMonthSwap float64
	missingSex   float64
	nativeScript float64 // factor on agency.nativeScript
	mixedScript  float64 // a Latin letter of a name replaced by its Cyrillic look-alike
	export       bool    // the agencies' export habits (code pages, dates left out, spreadsheets)
}

// realisticNoise is the noise of the realistic scenario.
var realisticNoise = noise{typo: 0.015, missingDOB: 0.02, placeholder: 0.06, yearOff: 0.005, dayMonthSwap: 0.01, missingSex: 0.02, nativeScript: 1, mixedScript: 0.005, export: true}

// bridgeableNoise keeps only the noise that some key of the default schema
// absorbs in every record: swapped, reordered, partly recorded and
// transliterated names, dropped diacritics and particles, placeholder
// dates, missing sex, D-number against fødselsnummer and within-list
// duplicates. It drops the record-level noise of the realistic scenario: a
// typo in a name, a missing or wrong date of birth, a name written in
// another script by one agency. The schema has keys for each of those on
// its own, but not for a missing date, nor for two of them in one record.
var bridgeableNoise = noise{placeholder: 0.06, missingSex: 0.02}

// Noise tags: which noise a record got.
const (
	tagTypo = 1 << iota
	tagMissingDOB
	tagPlaceholder
	tagYearOff
	tagDayMonth
	tagMissingSex
	tagNativeScript
	tagSwapped
	tagDroppedName
	tagDroppedParticle
	tagCodePage
	tagNIDOnlyDate
	tagMixedScript
	tagExcelNID
	nTags = iota
)

var tagNames = []string{"name typo", "missing birth date", "placeholder birth date", "birth year off by one", "day and month swapped", "missing sex", "name in native script", "given and family swapped", "second name dropped", "particle dropped",
	"letters lost to a code page", "date only in the identity number", "Cyrillic look-alike letter", "identity number lost a leading zero"}

// unbridgeable are the tags after which no key of the default schema can
// match the record with the person's other records, except the identity
// number: every key but nid needs a date of birth, and a record with
// neither has none to take from the number. (Two other kinds of noise
// together, a typo and a placeholder date say, can have the same effect;
// the end-to-end test logs the missed pairs by noise.)
const unbridgeable = tagMissingDOB

// extractRow is one record an agency holds, with the true person and the
// noise it got.
type extractRow struct {
	person int
	fields map[string]string
	tags   int
}

var diacritics = strings.NewReplacer(
	"ă", "a", "â", "a", "î", "i", "ș", "s", "ț", "t", "Ș", "S", "Ț", "T", "ū", "u", "ė", "e", "ę", "e", "č", "c", "ž", "z", "Ž", "Z",
	"ị", "i", "ơ", "o", "ư", "u", "ễ", "e", "ầ", "a", "ạ", "a", "ả", "a", "ã", "a", "ế", "e", "ề", "e", "ọ", "o", "ồ", "o", "ũ", "u", "ũ", "u",
	"ấ", "a", "ắ", "a", "ặ", "a", "ỳ", "y", "ý", "y", "ó", "o", "á", "a", "à", "a", "é", "e", "í", "i", "ú", "u", "ç", "c", "Ç", "C",
	"ê", "e", "ô", "o", "đ", "d", "Đ", "D", "ư", "u", "ỗ", "o", "ữ", "u", "ờ", "o",
)

// record writes down what agency a knows of person p, with noise.
func (a *agency) record(rng *rand.Rand, p *person, nz noise) extractRow {
	f := map[string]string{}
	tags := 0
	form := 1 // Latin
	if p.orig.femaleGiven[0][0] != p.orig.femaleGiven[0][1] && rng.Float64() < a.nativeScript*nz.nativeScript {
		form = 0
		tags |= tagNativeScript
	}
	given := []string{p.given[0][form]}
	if len(p.given) > 1 {
		if rng.Float64() >= a.dropSecond {
			given = append(given, p.given[1][form])
		} else {
			tags |= tagDroppedName
		}
	}
	if p.middle != "" {
		given = append([]string{p.middle}, given...)
	}
	var family []string
	for i, fm := range p.family {
		name := fm[form]
		if i == 0 && rng.Float64() < a.dropParticle {
			if _, rest, ok := strings.Cut(name, " "); ok {
				name = rest
				tags |= tagDroppedParticle
			}
		}
		family = append(family, name)
	}
	if len(family) > 1 && rng.Float64() < a.dropSecond {
		family = family[:1]
		tags |= tagDroppedName
	}
	g, fam := strings.Join(given, " "), strings.Join(family, " ")
	if rng.Float64() < 0.5 {
		g, fam = diacritics.Replace(g), diacritics.Replace(fam)
	}
	if rng.Float64() < nz.typo {
		tags |= tagTypo
		if rng.IntN(2) == 0 {
			fam = typo(rng, fam)
		} else {
			g = typo(rng, g)
		}
	}
	if rng.Float64() < nz.mixedScript {
		tags |= tagMixedScript
		if rng.IntN(2) == 0 {
			fam = lookalike(rng, fam)
		} else {
			g = lookalike(rng, g)
		}
	}
	if a.upperFamily {
		fam = strings.ToUpper(fam)
	}
	if nz.export && a.codePage {
		g2, f2 := cp1252(g), cp1252(fam)
		if g2 != g || f2 != fam {
			tags |= tagCodePage
		}
		g, fam = g2, f2
	}
	swapped := rng.Float64() < a.swapNames
	if p.orig.familyFirst && rng.Float64() < 0.3 {
		swapped = !swapped // home order kept: family name in the given-name field
	}
	if swapped {
		g, fam = fam, g
		tags |= tagSwapped
	}
	if a.fullName {
		f["full_name"] = g + " " + fam
	} else {
		f["given_name"], f["family_name"] = g, fam
	}

	dob := p.dob
	switch u := rng.Float64(); {
	case u < nz.missingDOB:
		tags |= tagMissingDOB
	case u < nz.missingDOB+nz.placeholder:
		f["birth_date"] = time.Date(dob.Year(), 1, 1, 0, 0, 0, 0, time.UTC).Format(a.dateFormat)
		tags |= tagPlaceholder
	case u < nz.missingDOB+nz.placeholder+nz.yearOff:
		f["birth_date"] = dob.AddDate(1-2*rng.IntN(2), 0, 0).Format(a.dateFormat)
		tags |= tagYearOff
	case u < nz.missingDOB+nz.placeholder+nz.yearOff+nz.dayMonthSwap && dob.Day() <= 12 && dob.Day() != int(dob.Month()):
		f["birth_date"] = time.Date(dob.Year(), time.Month(dob.Day()), int(dob.Month()), 0, 0, 0, 0, time.UTC).Format(a.dateFormat)
		tags |= tagDayMonth
	default:
		f["birth_date"] = dob.Format(a.dateFormat)
	}
	sexKept := rng.Float64() >= nz.missingSex
	if nz.export && a.sexRecord > 0 && rng.Float64() >= a.sexRecord {
		sexKept = false
	}
	if sexKept {
		f["sex"] = a.sexWords[ifInt(p.female, 0, 1)]
	} else {
		tags |= tagMissingSex
	}
	if rng.Float64() < a.idRecorded {
		switch {
		case a.prefersFNR && p.fnr != "":
			f["national_id"] = p.fnr
		case p.dnr != "":
			f["national_id"] = p.dnr
		case p.fnr != "":
			f["national_id"] = p.fnr
		}
	}
	if id := f["national_id"]; id != "" && nz.export {
		if rng.Float64() < a.noDOBIfNID && f["birth_date"] != "" {
			delete(f, "birth_date")
			tags |= tagNIDOnlyDate
		}
		if id[0] == '0' && rng.Float64() < a.excelNID {
			f["national_id"] = id[1:]
			tags |= tagExcelNID
		}
	}
	f["exploitation"] = a.exploitWords[p.exploitation]
	if a.useISO2 {
		f["nationality"] = p.orig.iso2
	} else {
		f["nationality"] = p.orig.iso3
	}
	return extractRow{person: p.id, fields: f, tags: tags}
}

func ifInt(c bool, a, b int) int {
	if c {
		return a
	}
	return b
}

// typo replaces one letter of s by a neighbouring one.
func typo(rng *rand.Rand, s string) string {
	rs := []rune(s)
	var idx []int
	for i, r := range rs {
		if r >= 'a' && r <= 'z' {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return s
	}
	i := pick(rng, idx)
	r := rs[i] + 1
	if r > 'z' {
		r = 'a'
	}
	rs[i] = r
	if !utf8.ValidString(string(rs)) {
		return s
	}
	return string(rs)
}

// population draws n people and every agency's extract of them.
func population(seed uint64, n int, nz noise) ([]*person, [][]extractRow) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	clear(issuedIDs)
	people := make([]*person, n)
	for i := range people {
		people[i] = newPerson(rng, i)
	}
	rows := make([][]extractRow, len(agencies))
	for ai := range agencies {
		a := &agencies[ai]
		for _, p := range people {
			if rng.Float64() >= a.capture(p) {
				continue
			}
			rows[ai] = append(rows[ai], a.record(rng, p, nz))
			if rng.Float64() < a.duplicates {
				rows[ai] = append(rows[ai], a.record(rng, p, nz))
			}
		}
	}
	return people, rows
}

// cp1252 writes s as an export in Windows-1252 would, read back: every
// letter the code page lacks (ș, ț, ă, Đ, ư, ė, Cyrillic, …) becomes "?".
func cp1252(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 || r >= 0xA0 && r <= 0xFF || strings.ContainsRune("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ", r) {
			return r
		}
		return '?'
	}, s)
}

// lookalikes are Latin letters and the Cyrillic letters that look the
// same (a keyboard layout switched in the middle of a word).
var lookalikes = map[rune]rune{'a': 'а', 'e': 'е', 'o': 'о', 'p': 'р', 'c': 'с', 'x': 'х', 'y': 'у', 'i': 'і'}

// lookalike replaces one letter of s that has a Cyrillic look-alike.
func lookalike(rng *rand.Rand, s string) string {
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
	i := pick(rng, idx)
	rs[i] = lookalikes[rs[i]]
	return string(rs)
}
