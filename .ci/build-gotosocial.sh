#!/usr/bin/env bash
# Builds the GoToSocial server used by the Mastodon connector's integration
# test (connector/mastodon/gtstest) and caches it under
#   ${SOCIALDESK_CACHE:-$HOME/.cache/socialdesk}/bin/gotosocial-v0.18.3
# with its web templates and assets beside it in
#   ${SOCIALDESK_CACHE:-$HOME/.cache/socialdesk}/gotosocial-v0.18.3/web/
# It does nothing when both are already there. The source comes from the Go
# module proxy; the build runs niced, one package at a time, and takes a
# good while on two cores.
set -euo pipefail

version=v0.18.3
cache="${SOCIALDESK_CACHE:-$HOME/.cache/socialdesk}"
bin="$cache/bin/gotosocial-$version"
web="$cache/gotosocial-$version/web"

if [[ -x "$bin" && -d "$web/template" && -d "$web/assets" ]]; then
	echo "gotosocial $version already cached at $bin"
	exit 0
fi

mkdir -p "$cache/bin" "$cache/gotosocial-$version"
work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null || true; rm -rf "$work"' EXIT

# Fetch the module source through the proxy. "go install pkg@version" cannot
# be used because the module's go.mod has replace directives, so build inside
# a writable copy of the module instead. The checksum database does not serve
# this module here; the module's own go.sum still pins every dependency.
cd "$work"
dir="$(GOFLAGS=-mod=mod GONOSUMDB=github.com/superseriousbusiness/gotosocial \
	go mod download -json "github.com/superseriousbusiness/gotosocial@$version" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [[ -z "$dir" || ! -d "$dir" ]]; then
	echo "gotosocial.sh: could not download github.com/superseriousbusiness/gotosocial@$version" >&2
	exit 1
fi

if [[ ! -x "$bin" ]]; then
	cp -r "$dir" src
	chmod -R u+w src
	# Tags as in the project's scripts/build.sh, without tracing and
	# metrics, which the tests do not need.
	tags="netgo osusergo static_build kvformat timetzdata notracing nometrics"
	echo "building gotosocial $version (tags: $tags); this takes a while"
	(cd src && CGO_ENABLED=0 nice -n 10 go build -p 1 -trimpath -mod=mod \
		-tags "$tags" \
		-ldflags "-s -w -X main.Version=$version" \
		-o "$bin.tmp" ./cmd/gotosocial)
	mv "$bin.tmp" "$bin"
fi

# The server loads its HTML templates at start-up and serves default
# avatars from the assets folder.
rm -rf "$web.tmp"
mkdir -p "$web.tmp"
cp -r "$dir/web/template" "$dir/web/assets" "$web.tmp/"
chmod -R u+w "$web.tmp"
rm -rf "$web"
mv "$web.tmp" "$web"
echo "gotosocial $version cached at $bin"
