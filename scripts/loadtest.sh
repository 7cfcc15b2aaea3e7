#!/usr/bin/env bash
# HTTP load test with wrk on loopback: sustained requests/s and p99 for the
# queue page, search and ticket creation, on one node (SQLite) and on three
# nodes (PostgreSQL + NATS JetStream). Needs wrk (apt-get install wrk), and
# for the three-node part PostgreSQL at 127.0.0.1:5432 and NATS at :4222.
# Usage: scripts/loadtest.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
TMP=$(mktemp -d)
# Servers are started inside command substitutions, so their pids are
# kept in a file and killed on exit.
cleanup() { [ -f "$TMP/pids" ] && xargs -r kill < "$TMP/pids" 2>/dev/null; sleep 0.5; rm -rf "$TMP"; }
trap cleanup EXIT
go build -o "$TMP/socialdesk" ./cmd/socialdesk
SD="$TMP/socialdesk"
export SOCIALDESK_SECRET_KEY=$(printf 'cd%.0s' $(seq 32))

cat > "$TMP/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body   = '{"title":"VPN drops every few minutes","description":"since 9am","impact":"medium","urgency":"high"}'
wrk.headers["Content-Type"] = "application/json"
LUA

start() { # start NAME ARGS... ; prints the URL
  local name=$1; shift
  "$SD" serve --addr 127.0.0.1:0 --rate-limit -1 "$@" > "$TMP/$name.out" 2> "$TMP/$name.err" &
  echo $! >> "$TMP/pids"
  for _ in $(seq 100); do
    url=$(sed -n 's/.*running at \(http:[^ ]*\).*/\1/p' "$TMP/$name.out" | head -1)
    [ -n "$url" ] && { echo "$url"; return; }
    sleep 0.1
  done
  echo "node $name did not start" >&2; cat "$TMP/$name.err" >&2; exit 1
}
session() { # session URL EMAIL PASSWORD ; prints the session cookie value
  local jar="$TMP/jar"; rm -f "$jar"
  local tok; tok=$(curl -s -c "$jar" "$1/login" | sed -n 's/.*name="login_csrf" value="\([^"]*\)".*/\1/p')
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "email=$2" --data-urlencode "password=$3" -d "login_csrf=$tok" "$1/login"
  awk '$6=="sd_session"{print $7}' "$jar"
}
run() { # run LABEL URL HEADER [lua] ; prints "req/s p99"
  local extra=(); [ $# -ge 4 ] && extra=(-s "$4")
  wrk -t2 -c16 -d"${DUR}s" --latency -H "$3" "${extra[@]}" "$2" > "$TMP/wrk.txt"
  local rps p99; rps=$(awk '/Requests\/sec/{print $2}' "$TMP/wrk.txt"); p99=$(awk '$1=="99%"{print $2}' "$TMP/wrk.txt")
  local non2xx; non2xx=$(awk '/Non-2xx/{print $NF}' "$TMP/wrk.txt"); non2xx=${non2xx:-0}
  printf '| %s | %s | %s | %s |\n' "$1" "$rps" "$p99" "$non2xx"
}

echo "## One node, SQLite (demo data)"
URL=$(start one --data "$TMP/one" --demo)
SESS=$(session "$URL" agent@example.com demo-password)
TOKEN=$("$SD" token create --email agent@example.com --data "$TMP/one")
echo "| endpoint | requests/s | p99 | non-2xx |"
echo "| --- | --- | --- | --- |"
run "GET /queue" "$URL/queue" "Cookie: sd_session=$SESS"
run "GET /api/v1/search" "$URL/api/v1/search?q=vpn+keeps+dropping" "Authorization: Bearer $TOKEN"
run "POST /api/v1/tickets" "$URL/api/v1/tickets" "Authorization: Bearer $TOKEN" "$TMP/post.lua"
xargs -r kill < "$TMP/pids" 2>/dev/null || true; : > "$TMP/pids"; sleep 0.5

if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null || ! (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
  echo "PostgreSQL or NATS not reachable; skipping the three-node runs"; exit 0
fi
echo
echo "## Three nodes, PostgreSQL + NATS JetStream (wrk against each node at once; totals)"
SCHEMA="sdload_$$"
psql -q -h 127.0.0.1 -U postgres test -c "CREATE SCHEMA $SCHEMA" >/dev/null 2>&1
trap 'cleanup; psql -q -h 127.0.0.1 -U postgres test -c "DROP SCHEMA $SCHEMA CASCADE" >/dev/null 2>&1' EXIT
export SOCIALDESK_DATABASE_URL="postgres://postgres@127.0.0.1:5432/test?sslmode=disable&search_path=$SCHEMA"
U1=$(start n1 --demo --nats-url nats://127.0.0.1:4222 --cluster-name "$SCHEMA" --node-id n1)
U2=$(start n2 --nats-url nats://127.0.0.1:4222 --cluster-name "$SCHEMA" --node-id n2)
U3=$(start n3 --nats-url nats://127.0.0.1:4222 --cluster-name "$SCHEMA" --node-id n3)
SESS=$(session "$U1" agent@example.com demo-password)
TOKEN=$("$SD" token create --email agent@example.com)
echo "| endpoint | requests/s (sum of 3) | worst p99 | non-2xx |"
echo "| --- | --- | --- | --- |"
three() { # three LABEL PATH HEADER [lua]
  local i=0 pids=()
  for u in "$U1" "$U2" "$U3"; do
    i=$((i+1))
    local extra=(); [ $# -ge 4 ] && extra=(-s "$4")
    wrk -t1 -c6 -d"${DUR}s" --latency -H "$3" "${extra[@]}" "$u$2" > "$TMP/w$i.txt" & pids+=($!)
  done
  wait "${pids[@]}"
  local rps p99 bad
  rps=$(awk '/Requests\/sec/{s+=$2} END{printf "%.1f", s}' "$TMP"/w[123].txt)
  p99=$(awk '$1=="99%"{print $2}' "$TMP"/w[123].txt | sort -h | tail -1)
  bad=$(awk '/Non-2xx/{s+=$NF} END{print s+0}' "$TMP"/w[123].txt)
  printf '| %s | %s | %s | %s |\n' "$1" "$rps" "$p99" "$bad"
}
three "GET /queue" "/queue" "Cookie: sd_session=$SESS"
three "GET /api/v1/search" "/api/v1/search?q=vpn+keeps+dropping" "Authorization: Bearer $TOKEN"
three "POST /api/v1/tickets" "/api/v1/tickets" "Authorization: Bearer $TOKEN" "$TMP/post.lua"
