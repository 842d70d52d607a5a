package report

import "html/template"

// Sections are the ids of the report's sections, in order. Every report
// has all of them; a section without data says how to get it.
var Sections = []string{"headline", "lists", "overlaps", "models", "bootstrap", "posterior", "strata", "groups", "linkage", "assumptions", "method"}

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="morketall{{with .Version}} {{.}}{{end}}">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{{.Title}}{{if .Publish}}{{else}} (INTERNAL){{end}}</title>
<style>
:root { --ink:#1b2a3a; --main:#1f5f8b; --accent:#c0502d; --muted:#5b6b7b; --line:#d5dce3; --band:#eef2f6; }
* { box-sizing: border-box; }
body { margin:0; font-family: "Liberation Sans", Arial, Helvetica, sans-serif; color:var(--ink); background:#f7f9fb; line-height:1.5; }
main { max-width: 980px; margin: 0 auto; padding: 0 24px 48px; background:#fff; }
.banner { position: sticky; top: 0; z-index: 2; padding: 8px 24px; font-weight: bold; letter-spacing: .02em; text-align:center; }
.banner.internal { background:#8b1e1e; color:#fff; }
.banner.published { background:#1e6b3a; color:#fff; }
header { padding: 28px 0 8px; border-bottom: 3px solid var(--main); }
h1 { font-size: 1.9em; margin: 0 0 4px; }
h2 { font-size: 1.35em; margin: 36px 0 8px; padding-top: 8px; border-top: 1px solid var(--line); }
h3 { font-size: 1.05em; margin: 20px 0 6px; }
nav ol { columns: 3; padding-left: 1.2em; margin: 12px 0; color: var(--muted); }
nav a { color: var(--main); text-decoration: none; }
.subtitle { color: var(--muted); margin: 0; }
.headline { display:flex; flex-wrap: wrap; gap: 16px; margin: 20px 0; }
.figure { flex: 1 1 200px; border:1px solid var(--line); border-radius: 6px; padding: 14px 16px; background: var(--band); }
.figure .big { font-size: 2.1em; font-weight: bold; color: var(--main); display:block; }
.figure.est .big { color: var(--accent); }
.figure .what { color: var(--muted); font-size: .92em; }
.lead { font-size: 1.12em; }
.note { color: var(--muted); font-size: .93em; }
.caveat { border-left: 4px solid var(--accent); padding: 6px 12px; background: #fbf1ee; }
table { border-collapse: collapse; margin: 10px 0 6px; font-size: .93em; }
caption { text-align: left; font-weight: bold; padding-bottom: 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--band); }
td.count, td.est { text-align: right; font-variant-numeric: tabular-nums; }
td.suppressed { color: var(--muted); font-style: italic; text-align: right; }
tfoot td { font-weight: bold; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; font-size: .93em; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; overflow-wrap: anywhere; }
svg.plot { display:block; max-width: 100%; height: auto; margin: 8px 0; }
.pair { display:flex; flex-wrap: wrap; gap: 8px 28px; align-items: flex-start; }
.pair > table { flex: 0 0 auto; }
.pair > svg.plot { flex: 0 1 auto; }
details { margin: 8px 0; }
summary { cursor: pointer; color: var(--main); }
.scroll { overflow-x: auto; }
footer { margin-top: 36px; color: var(--muted); font-size: .88em; border-top: 1px solid var(--line); padding-top: 10px; }
@media print { .banner { position: static; } h2 { break-before: auto; } svg.plot { break-inside: avoid; } }
</style>
</head>
<body>
{{if .Publish}}<div class="banner published" id="classification">PUBLISHED VERSION: disclosure control applied (counts rounded to multiples of 3, small groups withheld, overlap table left out)</div>
{{else}}<div class="banner internal" id="classification">INTERNAL: contains exact counts and the overlap table. Not for publication. Use morketall report --publish for a version that can be shared.</div>
{{end}}<main>
<header>
<h1>{{.Title}}</h1>
<p class="subtitle">Multiple Systems Estimation from {{.Head.K}} agency lists{{with .Generated}} · generated {{.}}{{end}}</p>
<nav aria-label="contents"><ol>
<li><a href="#headline">The estimate</a></li><li><a href="#lists">The lists</a></li><li><a href="#overlaps">Overlaps</a></li>
<li><a href="#models">Models</a></li><li><a href="#bootstrap">Bootstrap</a></li><li><a href="#posterior">Posterior</a></li><li><a href="#strata">By stratum</a></li><li><a href="#groups">By group</a></li>
<li><a href="#linkage">Linkage</a></li><li><a href="#assumptions">Assumptions</a></li><li><a href="#method">Method and audit</a></li>
</ol></nav>
</header>

<section id="headline">
<h2>The estimate</h2>
{{with .Head}}{{if .Estimated}}
<div class="headline">
<div class="figure"><span class="big" id="observed">{{.Observed}}</span><span class="what">distinct people on at least one list</span></div>
<div class="figure est"><span class="big" id="estimate">{{.Estimate}}</span><span class="what">estimated victims in total, seen or not</span></div>
<div class="figure"><span class="big">{{if .I95}}{{.I95}}{{else}}–{{end}}</span><span class="what">95% interval</span></div>
</div>
<p class="lead">The {{.K}} agency lists hold <strong>{{.Observed}}</strong> distinct people. From how the lists overlap, we estimate that
there were about <strong>{{.Estimate}}</strong> victims in total, so that about <strong>{{.Dark}}</strong> were not seen by any of these agencies.
{{.Sentence}}</p>
<p>The estimate comes from {{.Method}}.{{if .Kind95}} The 95% interval is {{.Kind95}}.{{end}}{{if not .I80}} The 80% interval was not computed (estimate with --quantiles 0.025,0.1,0.9,0.975).{{end}}</p>
{{with .Conditions}}<p class="caveat">{{.}}</p>{{end}}
{{else}}
<div class="headline">
<div class="figure"><span class="big" id="observed">{{.Observed}}</span><span class="what">distinct people on at least one list</span></div>
<div class="figure est"><span class="big" id="estimate">{{.NoEstimate}}</span><span class="what">{{.Reason}}</span></div>
</div>
<p class="lead">The {{.K}} agency lists hold <strong>{{.Observed}}</strong> distinct people. The data do not allow an estimate of the total with {{.Method}}: {{.Reason}}.</p>
{{end}}{{end}}
</section>

<section id="lists">
<h2>The lists</h2>
<p>Each agency contributed one list of the people it assisted or recorded. A person who met several agencies is on several lists; the agencies' own counts can therefore not be added up.</p>
<div class="pair">{{with .ListsTable}}{{template "table" .}}{{end}}
{{.ListsPlot}}</div>
{{with .ListsNote}}<p class="note">{{.}}</p>{{end}}
</section>

<section id="overlaps">
<h2>Overlaps between the lists</h2>
<p>The estimate rests on the overlaps: if most people on one list are also on the others, the lists together have seen most of the population; if the overlaps are small, many people are likely to have been missed by all.</p>
{{if .UpSet}}<h3>People by combination of lists</h3>
<p>Each bar is the number of people seen by exactly the combination of lists marked by the dots below it.</p>
{{.UpSet}}
{{with .UpSetHidden}}<p class="note">{{.}}</p>{{end}}{{end}}
<div class="pair">{{with .DegreeTable}}{{template "table" .}}{{end}}
{{.DegreePlot}}</div>
{{with .OverlapTable}}<details><summary>Overlap table (internal only)</summary><div class="scroll">{{template "table" .}}</div></details>{{end}}
{{with .OverlapNote}}<p class="note">{{.}}</p>{{end}}
</section>

<section id="models">
<h2>Models</h2>
<p>A log-linear model describes how the lists depend on each other (for example, a shelter that takes people referred by another agency). Several models may fit the overlaps about equally well; if they give different totals, the choice of model matters and the interval from the bootstrap, which repeats the choice, is the one to trust.</p>
{{.ModelsPlot}}
<p class="note">Dots are the estimates of the best models (the chosen one in orange) with their 95% intervals conditional on each model; the dashed line is the number of people observed, below which no estimate can fall.</p>
{{with .ModelsTable}}<div class="scroll">{{template "table" .}}</div>{{end}}
{{with .ModelsNote}}<p class="note">{{.}}</p>{{end}}
{{with .Compare}}<h3 id="comparison">Other methods</h3>
<p>The same lists estimated by methods that make other assumptions: log-linear models (which allow for dependence between lists), Rcapture's models (some of which allow for people who are harder to find than others) and, where available, Bayesian models. When they agree, the estimate does not hang on one method's assumptions; when they disagree, the data cannot decide between the assumptions and the true uncertainty is larger than any one interval.</p>
{{.Plot}}
<div class="scroll">{{template "table" .Table}}</div>
{{range .Warnings}}<p class="caveat">{{.}}</p>{{end}}{{end}}
</section>

<section id="bootstrap">
<h2>Bootstrap</h2>
{{if .Boot}}<p>The bootstrap redraws the overlap table many times from the observed one, chooses the model again each time and estimates again. The spread of these estimates shows how uncertain the result is, including the choice of model.</p>
{{.BootPlot}}
<p class="note">The orange line is the estimate and the dashed lines are the limits of the 95% bootstrap interval. {{.BootText}}</p>
{{with .BootTable}}{{template "table" .}}{{end}}
{{else}}<p class="note">{{.BootNote}}</p>{{end}}
</section>

<section id="posterior">
<h2>Posterior distribution and convergence</h2>
{{if .Post}}<p>A Bayesian method does not give one number but a distribution of plausible totals, the posterior, explored by several independent Markov chains. The chains are only trusted when they agree with each other.</p>
{{with .PostVerdict}}<p class="{{if $.PostAgree}}lead{{else}}caveat{{end}}" id="posterior-verdict">{{.}}</p>{{end}}
{{.PostHist}}
{{with .PostHistNote}}<p class="note">{{.}}</p>{{end}}
<div class="pair">{{with .PostTable}}{{template "table" .}}{{end}}{{with .PostClasses}}{{template "table" .}}{{end}}</div>
{{.PostTrace}}
{{with .PostTraceNote}}<p class="note">{{.}}</p>{{end}}
{{else}}<p class="note">{{.PostNote}}</p>{{end}}
</section>

<section id="strata">
<h2>Estimates by stratum</h2>
{{with .StrataTable}}<div class="scroll">{{template "table" .}}</div>{{end}}
{{.StrataPlot}}
{{with .StrataNote}}<p class="note">{{.}}</p>{{end}}
</section>

<section id="groups">
<h2>Estimates by group</h2>
{{with .Groups}}{{if .Show}}<p>{{.Intro}}</p>
{{.Plot}}
{{range .Tables}}<div class="scroll">{{template "table" .}}</div>
{{end}}{{end}}{{with .Note}}<p class="note">{{.}}</p>{{end}}{{end}}
</section>

<section id="linkage">
<h2>Linkage quality and sensitivity</h2>
{{if .Link}}<p>The lists were linked without revealing identities: each agency replaced names, dates of birth and identity numbers by keyed codes (match keys), and records with the same code were taken to be the same person, trying the most reliable keys first.</p>
<dl class="kv">{{range .LinkSummary}}<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>{{end}}</dl>
{{with .LinkLists}}{{template "table" .}}{{end}}
{{with .LinkKeys}}<div class="scroll">{{template "table" .}}</div>{{end}}
<h3>Sensitivity to the linkage</h3>
{{.LinkPlot}}
{{with .LinkRules}}<div class="scroll">{{template "table" .}}</div>{{end}}
<p class="note">{{.LinkSensNote}}</p>
{{else}}<p class="note">{{.LinkNote}}</p>{{end}}
{{with .LinkErr}}<h3>If the linkage made errors</h3>
<p>{{$.LinkErrNote}}</p>
<div class="scroll">{{template "table" .}}</div>{{end}}
</section>

<section id="assumptions">
<h2>What the estimate assumes, and when it fails</h2>
{{with .Assumptions}}<p class="lead">{{.Sentence}}</p>
{{.Plot}}
<div class="scroll">{{template "table" .Table}}</div>
<p class="note">{{.Note}}</p>{{end}}
<p>Multiple Systems Estimation compares lists of the same population made independently by different agencies. If, for example, half of the people the police met were also met by the shelters, the shelters probably saw about half of all victims. With several lists and a statistical model for how they depend on each other, the same idea gives an estimate of everyone, including people no agency saw. The method is used by the UK Home Office, the Netherlands and UNODC for exactly this question. It is only as good as four assumptions:</p>
<ol>
<li><strong>The same population over the same period.</strong> All lists must cover the same people in the same period (a closed population). People who arrive, leave the country or are returned during the period, or lists that cover different years, bias the estimate. The estimate is for the period of the lists, not for a single day.</li>
<li><strong>Correct linkage.</strong> A person on two lists must be recognised as one person. A missed link (the same person counted twice, for instance because a name was spelled differently) makes the estimate too high; a false link (two people taken for one) makes it too low. The linkage section shows how much the estimate moves when the linkage rule changes.</li>
<li><strong>Dependence between lists, and people who differ.</strong> Agencies refer people to each other, and some victims are much easier to find than others. The models allow for dependence they can see in the overlaps between lists. They cannot see victims who are hidden from every agency for the same reason, for example people in forced labour at isolated workplaces who never meet the police, a shelter or a welfare office. If such groups exist, the estimate is too low, and it is best read as a lower bound for them.</li>
<li><strong>Model choice.</strong> Several models can fit the data about equally well and still give different totals. The models section shows the best ones side by side; an interval that is "conditional on the chosen model" ignores this and is too narrow, while the bootstrap interval includes it.</li>
</ol>
<p>The estimate counts people who meet the agencies' criteria for a presumed victim, not all exploitation in the country. It is an estimate with an uncertainty, not a count: report it with its interval, and compare it between years only when the lists, the criteria and the method are the same.</p>
</section>

<section id="method">
<h2>Method and audit</h2>
<dl class="kv">{{range .Fit}}<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>{{end}}</dl>
{{with .Warnings}}<h3>Warnings</h3><ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{with .Sources}}<h3>Inputs</h3><table id="sources"><thead><tr><th>role</th><th>file</th>{{if not $.Publish}}<th>SHA-256</th>{{end}}</tr></thead><tbody>
{{range .}}<tr><td>{{.Role}}</td><td>{{.Name}}</td>{{if not $.Publish}}<td><code>{{.SHA256}}</code></td>{{end}}</tr>{{end}}
</tbody></table>{{end}}
</section>
<footer>Made with morketall{{with .Version}} {{.}}{{end}}, privacy-preserving Multiple Systems Estimation. {{if .Publish}}Disclosure control: counts are rounded to multiples of 3 with totals kept consistent (a 0 means 0, 1 or 2); lists with fewer than 3 people and strata with fewer than 10 are withheld; estimates are rounded to the nearest 10.{{else}}INTERNAL report: do not publish.{{end}}</footer>
</main>
</body>
</html>
{{define "table"}}<table{{with .ID}} id="{{.}}"{{end}}>{{with .Caption}}<caption>{{.}}</caption>{{end}}
<thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range .}}<td{{with .Class}} class="{{.}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</tbody>{{with .Foot}}
<tfoot>{{range .}}<tr>{{range .}}<td{{with .Class}} class="{{.}}"{{end}}>{{.Text}}</td>{{end}}</tr>{{end}}</tfoot>{{end}}
</table>{{end}}
`))
