#!/usr/bin/env bash
# Builds the GoToSocial server used by the Mastodon connector's integration
# test and caches it, together with its HTML templates (the OAuth sign-in and
# authorize pages need them), under
#   ${SOCIALDESK_CACHE:-$HOME/.cache/socialdesk}/bin/gotosocial-v0.18.3
#   ${SOCIALDESK_CACHE:-$HOME/.cache/socialdesk}/gotosocial-v0.18.3/web/template
# It does nothing when both are already there. The source comes from the Go
# module proxy; the build runs niced on one package at a time.
set -euo pipefail

version=v0.18.3
cache="${SOCIALDESK_CACHE:-$HOME/.cache/socialdesk}"
bin="$cache/bin/gotosocial-$version"
web="$cache/gotosocial-$version/web/template"

if [[ -x "$bin" && -d "$web" ]]; then
	echo "gotosocial $version already cached at $bin"
	exit 0
fi

mkdir -p "$cache/bin" "$cache/gotosocial-$version"
work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null || true; rm -rf "$work"' EXIT

# Fetch the module source through the proxy. "go install pkg@version" cannot
# be used because the module's go.mod has replace directives, so build inside
# a writable copy of the module instead.
cd "$work"
# The checksum database does not serve this module here; its own go.sum
# still pins every dependency.
dir="$(GOFLAGS=-mod=mod GONOSUMDB=github.com/superseriousbusiness/gotosocial go mod download -json "github.com/superseriousbusiness/gotosocial@$version" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [[ -z "$dir" || ! -d "$dir" ]]; then
	echo "gotosocial.sh: could not download github.com/superseriousbusiness/gotosocial@$version" >&2
	exit 1
fi
cp -r "$dir" src
chmod -R u+w src
cd src

tags="netgo osusergo static_build kvformat timetzdata notracing nometrics"
echo "building gotosocial $version (tags: $tags); this takes a while"
CGO_ENABLED=0 nice -n 10 go build -p 1 -trimpath -mod=mod \
	-tags "$tags" \
	-ldflags "-s -w -X main.Version=$version" \
	-o "$bin.tmp" ./cmd/gotosocial
mv "$bin.tmp" "$bin"

rm -rf "$web"
mkdir -p "$(dirname "$web")"
cp -r web/template "$web"
echo "gotosocial $version cached at $bin"
