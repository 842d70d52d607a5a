#!/usr/bin/env bash
# Browser test of the HTML report: generates the demo's reports, opens each
# in headless Chromium (Debian's chromium package, installed when missing)
# and checks that it loads without console errors and that every section
# and plot is present. It also leaves a screenshot of each report.
#
# Usage: scripts/browser-test.sh [OUTDIR]      (default: a temporary directory)
#
# It takes about a minute on a fresh machine (most of it installing
# Chromium) and a few seconds after that. Exit status 0 means every check
# passed.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-$(mktemp -d)}"
mkdir -p "$out"

if ! command -v chromium >/dev/null 2>&1; then
	echo "browser-test: installing chromium" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq chromium >/dev/null
fi

echo "browser-test: running the demo into $out/demo" >&2
go run ./cmd/morketall demo --outdir "$out/demo" --force >"$out/demo.log"
internal="$out/demo/report.html"
published="$out/demo/report-published.html"

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
chrome() {
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" "$@"
}

fail=0
check() { # check FILE DESCRIPTION PATTERN
	if ! grep -q -- "$3" "$1"; then
		echo "browser-test: FAIL: $2 ($(basename "$1"))" >&2
		fail=1
	fi
}

for report in "$internal" "$published"; do
	name="$(basename "$report" .html)"
	dom="$out/$name.dom.html"
	log="$out/$name.console.log"
	# --enable-logging=stderr --v=0 prints console messages as
	# "CONSOLE(...)"/"Uncaught" lines; the report has no script, so any
	# console line is an error (a CSP violation, a failed load).
	chrome --enable-logging=stderr --v=0 --dump-dom "file://$(realpath "$report")" >"$dom" 2>"$log" || {
		echo "browser-test: FAIL: chromium could not load $name" >&2
		fail=1
	}
	if grep -E "CONSOLE|Uncaught|Refused to|Failed to load|net::ERR" "$log" >/dev/null; then
		echo "browser-test: FAIL: console errors in $name:" >&2
		grep -E "CONSOLE|Uncaught|Refused to|Failed to load|net::ERR" "$log" >&2
		fail=1
	fi
	for id in headline lists overlaps models bootstrap posterior strata linkage assumptions method; do
		check "$dom" "section #$id missing" "<section id=\"$id\""
	done
	check "$dom" "no estimate in the headline" 'id="estimate"'
	check "$dom" "no plot of the list sizes" 'aria-label="People on each list"'
	check "$dom" "no forest plot of the models" 'aria-label="Estimates of the best models"'
	check "$dom" "no plot of the strata" 'aria-label="Estimates by stratum"'
	if [ -f "$out/demo/linkage.json" ]; then
		check "$dom" "no sensitivity plot" 'aria-label="The estimate under each linkage rule"'
	else
		echo "browser-test: $name: linkage plots not checked (this build has no link command)" >&2
	fi
	check "$dom" "no bootstrap histogram" 'aria-label="Bootstrap distribution of the estimate"'
	if [ "$report" = "$internal" ]; then
		check "$dom" "no INTERNAL banner" 'banner internal'
		check "$dom" "no overlap plot" 'aria-label="Overlap plot'
		check "$dom" "no overlap table" 'id="overlap-table"'
	else
		check "$dom" "no PUBLISHED banner" 'banner published'
		if grep -q -e 'id="overlap-table"' -e 'aria-label="Overlap plot' "$dom"; then
			echo "browser-test: FAIL: the published report shows the overlap table or plot" >&2
			fail=1
		fi
	fi
	n=$(grep -o "<svg" "$dom" | wc -l)
	echo "browser-test: $name: $n plots, $(wc -c <"$dom") bytes of DOM" >&2
	chrome --hide-scrollbars --window-size=1100,4200 --screenshot="$out/$name.png" "file://$(realpath "$report")" >/dev/null 2>&1 || {
		echo "browser-test: FAIL: no screenshot of $name" >&2
		fail=1
	}
	[ -s "$out/$name.png" ] && echo "browser-test: screenshot $out/$name.png" >&2
done

# The posterior section: a latent-class estimate whose chains agree and
# one whose chains cannot (far too short for the Dutch table's two modes).
echo "browser-test: latent-class estimates into $out" >&2
go build -o "$out/morketall" ./cmd/morketall # go run would turn exit code 3 into 1
"$out/morketall" estimate --method latent-class --seed 1 --json -o "$out/lc-ok.json" --force testdata/western.csv >/dev/null
"$out/morketall" report -o "$out/lc-ok.html" --force --table testdata/western.csv "$out/lc-ok.json" >/dev/null 2>&1
set +e
"$out/morketall" estimate --method latent-class --seed 1 --burnin 50 --iter 40 --thin 1 --json -o "$out/lc-nc.json" --force testdata/ned.csv >/dev/null 2>&1
code=$?
"$out/morketall" report -o "$out/lc-nc.html" --force --table testdata/ned.csv "$out/lc-nc.json" >/dev/null 2>&1
set -e
if [ "$code" -ne 3 ]; then
	echo "browser-test: FAIL: a latent-class estimate that does not converge exited $code, not 3" >&2
	fail=1
fi
for report in "$out/lc-ok.html" "$out/lc-nc.html"; do
	name="$(basename "$report" .html)"
	dom="$out/$name.dom.html"
	log="$out/$name.console.log"
	chrome --enable-logging=stderr --v=0 --dump-dom "file://$(realpath "$report")" >"$dom" 2>"$log" || {
		echo "browser-test: FAIL: chromium could not load $name" >&2
		fail=1
	}
	if grep -E "CONSOLE|Uncaught|Refused to|Failed to load|net::ERR" "$log" >/dev/null; then
		echo "browser-test: FAIL: console errors in $name" >&2
		fail=1
	fi
	for id in headline posterior method; do
		check "$dom" "section #$id missing" "<section id=\"$id\""
	done
	check "$dom" "no verdict on the chains" 'id="posterior-verdict"'
	check "$dom" "no trace plot" 'aria-label="Trace of the total in each chain"'
	if [ "$name" = lc-ok ]; then
		check "$dom" "no posterior histogram" 'aria-label="Posterior distribution of the total"'
		check "$dom" "the chains do not agree" 'chains agree'
	else
		check "$dom" "no 'not converged' headline" 'not converged'
		check "$dom" "the chains' disagreement is not said" 'chains disagree'
		if grep -q 'aria-label="Posterior distribution of the total"' "$dom"; then
			echo "browser-test: FAIL: $name shows a posterior of chains that disagree" >&2
			fail=1
		fi
	fi
	chrome --hide-scrollbars --window-size=1100,4200 --screenshot="$out/$name.png" "file://$(realpath "$report")" >/dev/null 2>&1 || {
		echo "browser-test: FAIL: no screenshot of $name" >&2
		fail=1
	}
	[ -s "$out/$name.png" ] && echo "browser-test: screenshot $out/$name.png" >&2
done

if [ "$fail" -ne 0 ]; then
	echo "browser-test: FAILED" >&2
	exit 1
fi
echo "browser-test: ok"
