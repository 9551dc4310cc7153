#!/usr/bin/env bash
# Time from launch to the first answer (a 200 on the bundled contracts), and RSS idle and
# after one request per operation.
# Usage: scripts/startup.sh [SPEC...]   (default: the bundled contracts)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/understudy
port=$((20000 + RANDOM % 20000))
probe=${PROBE:-/kantata/organization_memberships}
[ $# -gt 0 ] && probe=${PROBE:-/}
# Python starts the server and polls its port every half millisecond (a curl loop spawns a
# process per try and overstated the time by 10-40 ms), then leaves it running for the rest.
read -r pid status elapsed < <(python3 - "$bin" "$port" "$probe" "$@" <<'PY'
import socket, subprocess, sys, time
bin, port, probe, specs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
start = time.monotonic()
server = subprocess.Popen([bin, "serve", "--port", str(port), *specs],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
request = f"GET {probe} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer t\r\nConnection: close\r\n\r\n"
while True:
    try:
        conn = socket.create_connection(("127.0.0.1", port))
        break
    except OSError:
        time.sleep(0.0005)
conn.sendall(request.encode())
answer = b""
while chunk := conn.recv(65536):
    answer += chunk
elapsed = (time.monotonic() - start) * 1000
status = answer.split(b" ", 2)[1].decode()
print(server.pid, status, f"{elapsed:.0f}")
PY
)
trap 'kill $pid 2>/dev/null' EXIT
echo "first answer ($status) after $elapsed ms"
echo "idle RSS: $(ps -o rss= -p $pid) KB"
"$bin" routes --port "$port" "$@" | awk '$1 ~ /^(GET|POST|PUT|DELETE|PATCH)$/ {print $1, $2}' | sed 's/{[^}]*}/x/g' |
  while read -r method url; do curl -s -o /dev/null -X "$method" "$url"; done
echo "RSS after one request per operation: $(ps -o rss= -p $pid) KB"
