#!/bin/sh
# Measures peak memory (max RSS) and time of pseudonymise on synthetic
# extracts of the given sizes, to check that memory does not grow with the
# number of rows. Usage: scripts/pseudonymise-memory.sh [ROWS...]
# (default 1000000 10000000; the 10M-row extract takes ~600 MB of disk and
# the run ~1 GB of temporary files in $TMPDIR).
set -eu
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/morketall" ./cmd/morketall
"$work/morketall" keygen -o "$work/k.key" >/dev/null
for n in ${@:-1000000 10000000}; do
	go run ./scripts/genextract "$n" >"$work/x.csv"
	/usr/bin/time -f "rows=$n max_rss_kb=%M elapsed_s=%e user_s=%U sys_s=%S" \
		"$work/morketall" pseudonymise --key "$work/k.key" --list BIG --temp-dir "$work" "$work/x.csv" -o "$work/x.mkt" 2>&1 >/dev/null |
		grep '^rows='
	rm -f "$work/x.csv" "$work/x.mkt" "$work/x.mkt.manifest.json"
done
