#!/usr/bin/env bash
# vendor-npm.sh copies the front-end files CareFinder uses from pinned npm
# packages into the repository, so that the binary and the tests run with no
# network: each package is fetched with `npm pack` at its pinned version, its
# tarball checked against the integrity `npm view PKG@VER dist.integrity`
# gives, and only the files listed are copied. Run it from anywhere in the
# checkout after changing a version; `git status` then shows what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/npm-fetch.sh
. scripts/npm-fetch.sh

# axe-core (MPL-2.0): the accessibility audit the browser tests run.
fetch axe-core@4.14.1 sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
cp "$tmp/axe-core/package/axe.min.js" internal/browsertest/vendor/axe.min.js
cp "$tmp/axe-core/package/LICENSE" internal/browsertest/vendor/axe-LICENSE

# Leaflet (BSD-2-Clause): the map beside the search results, served from
# the binary (web/static/vendor/leaflet, embedded), so it loads with no CDN.
fetch leaflet@1.9.4 sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==
mkdir -p web/static/vendor/leaflet/images
cp "$tmp/leaflet/package/dist/leaflet.js" web/static/vendor/leaflet/leaflet.js
cp "$tmp/leaflet/package/dist/leaflet.css" web/static/vendor/leaflet/leaflet.css
cp "$tmp/leaflet/package/dist/images/marker-icon.png" "$tmp/leaflet/package/dist/images/marker-icon-2x.png" \
	"$tmp/leaflet/package/dist/images/marker-shadow.png" "$tmp/leaflet/package/dist/images/layers.png" \
	"$tmp/leaflet/package/dist/images/layers-2x.png" web/static/vendor/leaflet/images/
cp "$tmp/leaflet/package/LICENSE" web/static/vendor/leaflet/LICENSE
