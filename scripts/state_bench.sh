#!/usr/bin/env bash
# Benchmark (not a test): memory and stored-object GET throughput with N stored Kantata
# organization memberships (default 1,000,000), loaded with --fixtures.
# Usage: scripts/state_bench.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
dir=$(mktemp -d)
trap 'rm -rf "$dir"; kill $pid 2>/dev/null || true' EXIT
python3 - "$n" "$dir/fixtures.json" <<'PY'
import json, sys
n, out = int(sys.argv[1]), sys.argv[2]
with open(out, "w") as f:
    f.write('{"kantata:/organization_memberships/{id}": [')
    for i in range(1, n + 1):
        obj = {"created_at": "2024-01-01T00:00:00Z", "department_id": str(i % 50), "geography_id": str(i % 7),
               "member_id": str(i), "member_type": "user" if i % 3 else "workspace", "primary": i % 2 == 0,
               "updated_at": "2024-01-01T00:00:00Z"}
        f.write(("," if i > 1 else "") + json.dumps({"key": [str(i)], "object": obj}))
    f.write("]}")
PY
port=$((20000 + RANDOM % 20000))
start=$(date +%s%N)
taskset -c 0 "${CARGO_TARGET_DIR:-target}"/release/understudy serve specs/kantata.yaml --port "$port" --fixtures "$dir/fixtures.json" >/dev/null 2>&1 &
pid=$!
until curl -s -o /dev/null "http://127.0.0.1:$port/__understudy/health"; do sleep 0.2; done
echo "$n memberships loaded in $(( ($(date +%s%N) - start) / 1000000 )) ms; RSS $(( $(ps -o rss= -p $pid) / 1024 )) MiB"
taskset -c 1 wrk -t1 -c16 -d10s -H 'Authorization: Bearer t' --latency "http://127.0.0.1:$port/organization_memberships/$((n / 2))" | grep -E "Requests/sec|50%|99%"
echo "RSS after load test: $(( $(ps -o rss= -p $pid) / 1024 )) MiB"
