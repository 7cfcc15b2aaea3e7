#!/usr/bin/env bash
# Builds Dex (a real OIDC provider) once and caches the binary outside the
# repository, for the single sign-on tests. Dex's go.mod has a replace line
# that points inside its own repository; a copy of the module without that
# line builds from the module proxy.
set -euo pipefail
CACHE=${SOCIALDESK_CACHE:-$HOME/.cache/socialdesk}
VERSION=v0.0.0-20260303133905-11d2eeb52b42
BIN="$CACHE/bin/dex-$VERSION"
[ -x "$BIN" ] && exit 0
mkdir -p "$CACHE/bin" "$CACHE/src"
dir=$(go mod download -json github.com/dexidp/dex@$VERSION | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
src="$CACHE/src/dex-$VERSION"
rm -rf "$src"
cp -r "$dir" "$src"
chmod -R u+w "$src"
cd "$src"
sed -i '/^replace /d' go.mod
# A replace block, if any, is removed as well.
sed -i '/^replace (/,/^)/d' go.mod
GOFLAGS=-mod=mod nice -n 10 go build -p 1 -o "$BIN.tmp" ./cmd/dex
mv "$BIN.tmp" "$BIN"
echo "built $BIN"
