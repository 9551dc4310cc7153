#!/usr/bin/env bash
# Runs Schemathesis against `understudy serve` on each bundled contract: every check, every
# phase (examples, coverage, fuzzing, stateful with inferred links), deterministic generation.
# Installs Schemathesis 4 from PyPI when missing. `--credential` makes serve refuse any other
# key, so the ignored_auth check has something to find.
#
# `--store URL` keeps serve's stored objects there (`redis://…`), each contract under a key
# prefix of its own.
#
# Usage: scripts/schemathesis.sh [--store URL] [BINARY]   (default: the debug build, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
store=memory
bin=""
while [ $# -gt 0 ]; do
  case $1 in
    --store) store=${2:?--store needs a URL}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    *) bin=$1 ;;
  esac
  shift
done
bin=${bin:-${CARGO_TARGET_DIR:-target}/debug/understudy}
[ -x "$bin" ] || cargo build --quiet
[ -x "$bin" ] || { echo "no understudy binary at $bin" >&2; exit 1; }
if ! python3 -m schemathesis.cli --version >/dev/null 2>&1 && ! command -v schemathesis >/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check 'schemathesis>=4,<5'
fi
st=$(command -v schemathesis || echo "python3 -m schemathesis.cli")
export SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}"
secret=understudy-ci-secret
failed=0
for spec in kantata kodexa pxyz rebilly; do
  case $spec in
    kodexa) auth="x-api-key: $secret" ;;
    rebilly) auth="REB-APIKEY: $secret" ;;
    *) auth="Authorization: Bearer $secret" ;;
  esac
  # A random port can be taken (a CI run failed so): a server that exits at once is started
  # again on another one.
  for _ in 1 2 3 4 5; do
    port=$((30000 + RANDOM % 20000))
    RUST_LOG=warn "$bin" serve "specs/$spec.yaml" --port "$port" --credential "$secret" \
      --store "$store" --store-prefix "schemathesis-$spec-$$:" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 100); do
      curl -s -o /dev/null "http://127.0.0.1:$port/" && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && break
  done
  # A server that did not come up is a failure, not 500 connection errors to read through.
  curl -s -o /dev/null "http://127.0.0.1:$port/" || { echo "understudy serve specs/$spec.yaml did not start" >&2; exit 1; }
  echo "== schemathesis on $spec (objects stored in $store)"
  if ! $st run "specs/$spec.yaml" --url "http://127.0.0.1:$port" --checks all --seed 1 \
      --generation-deterministic --max-examples 50 \
      -H "$auth" --no-color; then
    failed=1
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
exit $failed
