#!/usr/bin/env bash
# Benchmark (not a test): exchanges per second of `understudy validate` on a generated JSON
# lines recording of the bundled APIs (default 200,000 exchanges), and peak RSS.
# Usage: scripts/validate_bench.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
cargo build --release --quiet
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$n" "$dir/traffic.jsonl" <<'PY'
import json, sys
n, out = int(sys.argv[1]), sys.argv[2]
member = {"id": "3f0c2a4e-8a43-4c0e-9d64-2f7e8b1f5a10", "role": "admin", "changeSequence": 2,
          "createdOn": "2024-01-01T00:00:00Z", "organization": {"id": "o1", "name": "Org", "slug": "org"}}
kantata = {"count": 1, "meta": {"count": 1, "page_count": 1, "page_number": 1, "page_size": 20},
           "results": [{"key": "organization_memberships", "id": "1"}],
           "organization_memberships": {"1": {"member_id": "7", "member_type": "user", "primary": True}}}
templates = [
    {"method": "GET", "url": "https://api.mavenlink.com/api/v1/organization_memberships?per_page=20",
     "request_headers": {"Authorization": "Bearer x"}, "status": 200,
     "response_headers": {"Content-Type": "application/json"}, "response_body": kantata},
    {"method": "PUT", "url": "https://platform.kodexa.ai/api/memberships/3f0c2a4e-8a43-4c0e-9d64-2f7e8b1f5a10",
     "request_headers": {"x-api-key": "k", "Content-Type": "application/json"}, "request_body": {"role": "viewer"},
     "status": 200, "response_headers": {"Content-Type": "application/json"}, "response_body": member},
    {"method": "GET", "url": "https://api.rebilly.com/memberships?limit=5", "request_headers": {"REB-APIKEY": "k"},
     "status": 200, "response_headers": {"Content-Type": "application/json", "Pagination-Total": "1"},
     "response_body": [{"user": {"id": "u"}, "organization": {"id": "o"}, "roleIds": ["r"]}]},
    {"method": "GET", "url": "https://api.mavenlink.com/api/v1/organization_memberships/5",
     "request_headers": {"Authorization": "Bearer x"}, "status": 418, "response_headers": {}, "response_body": None},
]
lines = [json.dumps(t) for t in templates]
with open(out, "w") as f:
    for i in range(n):
        f.write(lines[i % len(lines)] + "\n")
PY
size=$(du -m "$dir/traffic.jsonl" | cut -f1)
start=$(date +%s%N)
command time -f "%M" -o "$dir/rss" "${CARGO_TARGET_DIR:-target}"/release/understudy validate "$dir/traffic.jsonl" --format json --output "$dir/report.json" || true
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "$n exchanges ($size MB) in $ms ms: $(( n * 1000 / ms )) exchanges/s; peak RSS $(( $(tail -1 "$dir/rss") / 1024 )) MiB"
