package pseudonym_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/morketall/morketall/pseudonym"
)

// Names are folded so that agencies' spellings meet: marks are stripped,
// Norwegian letters mapped, Cyrillic transliterated by ICAO 9303, and the
// old spellings aa and oe reduced.
func ExampleNormaliseName() {
	fmt.Println(pseudonym.NormaliseName("Bjørn Ærlend Åsen-Dahl"))
	fmt.Println(pseudonym.NormaliseName("Aase Bøe"), "=", pseudonym.NormaliseName("Åse Boe"))
	fmt.Println(pseudonym.NormaliseName("Дмитрий Подъячев"))
	// Output:
	// bjorn aerlend asen dahl
	// ase bo = ase bo
	// dmitrii podieiachev
}

// A fødselsnummer whose leading zero a spreadsheet dropped is repaired
// only when the check digits then agree.
func ExampleParseNationalID() {
	id, err := pseudonym.ParseNationalID("3039045655")
	fmt.Println(id.Number, id.Kind, id.Repaired, err)
	_, err = pseudonym.ParseNationalID("31129956716")
	fmt.Println(err)
	// Output:
	// 03039045655 fodselsnummer true <nil>
	// identity number check digits do not match
}

// Two agencies recorded the same woman with given and family names
// swapped. Under the shared key, every key built from the names in any
// order links them while the name as written (name_dob_sex) does not. (A real key comes from
// pseudonym.GenerateKey; a fixed one keeps the example reproducible.)
func ExamplePseudonymiser_Tokens() {
	key, _ := pseudonym.NewKey(make([]byte, pseudonym.KeySize))
	p, _ := pseudonym.New(key, nil, &pseudonym.Options{Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)})
	police, _, _ := p.Tokens(map[string]string{"given_name": "Aase", "family_name": "Bøe", "birth_date": "02.03.1985", "sex": "K"})
	shelter, _, _ := p.Tokens(map[string]string{"given_name": "Boe", "family_name": "Åse", "birth_date": "1985-03-02", "sex": "F"})
	for i := range police {
		fmt.Printf("%-21s same=%v\n", police[i].Key, police[i].Value != "" && police[i].Value == shelter[i].Value)
	}
	// Output:
	// nid                   same=false
	// name_dob_sex          same=false
	// skeleton_dob          same=true
	// first_last_dob        same=true
	// first_first_dob       same=true
	// first_last_lo_dob_sex same=true
	// first_last_hi_dob_sex same=true
	// skeleton_year_sex     same=true
	// first_last_year_sex   same=true
	// skeleton_dm_even_sex  same=true
	// skeleton_dm_odd_sex   same=true
	// name_bloom            same=true
	// block_dob             same=true
	// block_year_sex        same=true
	// block_year            same=true
}

// Pseudonymise reads a whole extract; the list is written with
// List.Write and its report holds counts only.
func ExamplePseudonymiser_Pseudonymise() {
	key, _ := pseudonym.GenerateKey()
	p, _ := pseudonym.New(key, nil, nil)
	src := pseudonym.NewSliceSource(
		[]string{"given_name", "family_name", "birth_date", "sex", "exploitation", "notes"},
		[][]string{
			{"Anna", "Hansen", "17.05.1990", "K", "seksuell", "met at the shelter"},
			{"Ola", "Nordmann", "not known", "M", "arbeid", ""},
			{"", "", "", "", "", ""},
		})
	list, err := p.Pseudonymise("SHELTER", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := list.Report()
	fmt.Println(list.Len(), "record written;", r.BirthDate.Invalid, "invalid date;", r.Rejected["no_match_key"], "without a match key;", r.Rejected["empty_row"], "empty row")

	// The file holds a header (ending with the #mac seal and the #sha256
	// checksum), then shuffled rows of a random record id, tokens and
	// covariates; the notes column never reaches it.
	defer list.Close()
	var buf strings.Builder
	_ = list.Write(&buf)
	lines := strings.Split(buf.String(), "\n")
	fmt.Println(lines[0])
	for _, l := range lines {
		if !strings.HasPrefix(l, "#") {
			fmt.Println(l)
			break
		}
	}
	fmt.Println(strings.Contains(buf.String(), "shelter"))
	// Output:
	// 1 record written; 1 invalid date; 1 without a match key; 1 empty row
	// #morketall-pseudonymised-list=1
	// record_id,nid,name_dob_sex,skeleton_dob,first_last_dob,first_first_dob,first_last_lo_dob_sex,first_last_hi_dob_sex,skeleton_year_sex,first_last_year_sex,skeleton_dm_even_sex,skeleton_dm_odd_sex,name_bloom,block_dob,block_year_sex,block_year,sex,exploitation,region,age_band
	// false
}
