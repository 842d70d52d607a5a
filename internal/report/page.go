package report

import (
	_ "embed"
	"html/template"
)

// Sections are the ids of the report's sections, in order. Every report
// has all of them; a section without data says how to get it.
var Sections = []string{"headline", "lists", "overlaps", "models", "bootstrap", "posterior", "strata", "groups", "linkage", "assumptions", "method"}

// pageHTML is the report's template: one self-contained page, no script.
//
//go:embed page.html
var pageHTML string

var page = template.Must(template.New("report").Parse(pageHTML))
