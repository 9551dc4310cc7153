#!/usr/bin/env bash
# Time from launch to the first 200, and RSS idle and after one request per operation.
# Usage: scripts/startup.sh [SPEC...]   (default: the bundled contracts)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/understudy
port=$((20000 + RANDOM % 20000))
probe=${PROBE:-/kantata/organization_memberships}
[ $# -gt 0 ] && probe=${PROBE:-/}
start=$(date +%s%N)
"$bin" serve --port "$port" "$@" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
until curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$probe" | grep -q '^[2-4]'; do :; done
end=$(date +%s%N)
echo "first answer after $(( (end - start) / 1000000 )) ms"
echo "idle RSS: $(ps -o rss= -p $pid) KB"
"$bin" routes --port "$port" "$@" | awk '$1 ~ /^(GET|POST|PUT|DELETE|PATCH)$/ {print $1, $2}' | sed 's/{[^}]*}/x/g' |
  while read -r method url; do curl -s -o /dev/null -X "$method" "$url"; done
echo "RSS after one request per operation: $(ps -o rss= -p $pid) KB"
