#!/usr/bin/env bash
# The bench command: builds the release PWA with its bench hook (the `bench` feature, into its
# own dist-bench/, so the tests' dist/ stays without it), precompressed as a release is, serves
# it on 127.0.0.1, and measures it in Debian's Chromium, printing each figure beside a floor
# measured in the same run; then the endpoint's ingest rate beside plain INSERTs (alone and 20
# devices at once over HTTP), the worst rule re-check, and a bounded run of the fuzz targets
# (FUZZ_SECONDS, default 600). Not part of the tests.
#
# BENCH_PARTS=pwa,lighthouse,history,sync,layout,ingest,revocation,fuzz (default: all) runs only
# those parts. BENCH_DIST=<dir> measures that build as it is instead of building dist-bench/
# (the history part needs a build with the `bench` feature).
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"
parts=",${BENCH_PARTS:-pwa,lighthouse,history,sync,layout,ingest,revocation,fuzz},"
part() { [[ "$parts" == *",$1,"* ]]; }

# The PouchDB anchor (../shared/anchors/pouchdb-sync, read-only): copied to a directory of its
# own under the temp dir, its packages installed from its lockfiles and its bundle built, each
# step skipped when already done. Prints the directory.
pouchdb_anchor() {
  local src="${POUCHDB_ANCHOR:-$ROOT/../shared/anchors/pouchdb-sync}"
  local dir="${TMPDIR:-/tmp}/daicho-pouchdb-anchor"
  [ -f "$src/run.js" ] || { echo "no PouchDB anchor at $src (POUCHDB_ANCHOR=…)" >&2; return 1; }
  mkdir -p "$dir"
  # -p keeps the lockfiles' times, so npm_ci sees them unchanged on the next run.
  (cd "$src" && find . -path ./node_modules -prune -o -path ./server/node_modules -prune -o \
    -path ./results -prune -o -path ./profile -prune -o -type f -print0 |
    xargs -0 cp -p --parents -t "$dir") >&2
  npm_ci "$dir" >&2
  npm_ci "$dir/server" >&2
  if [ ! -f "$dir/www/pouchdb-browser.bundle.js" ] || [ "$dir/package-lock.json" -nt "$dir/www/pouchdb-browser.bundle.js" ]; then
    say "PouchDB anchor: bundle" >&2
    (cd "$dir" && cp node_modules/dexie/dist/dexie.min.js www/ &&
      npx esbuild node_modules/pouchdb-browser/lib/index.es.js --bundle --format=iife \
        --global-name=PouchDBMod --minify --outfile=www/pouchdb-browser.bundle.js --log-level=warning) >&2
  fi
  echo "$dir"
}

install_build_tools
install_test_tools
install_bench_tools
if [ -n "${BENCH_DIST:-}" ]; then
  dist=$(cd "$BENCH_DIST" && pwd)
  say "measuring the build in $dist as it is"
else
  dist="$ROOT/dist-bench"
  say "trunk build --release --features bench"
  trunk build --release --features bench --dist "$dist"
  # As a release is served: each file's .br and .gz beside it.
  precompress "$dist"
fi
cargo build --profile server -p daicho-server --bin daicho-server --example sync_fixture --example plain_endpoint \
  --example ingest --example revocation
PORT=${DAICHO_BENCH_PORT:-8092}
data=$(mktemp -d)
"$ROOT/target/server/daicho-server" --port "$PORT" --data-dir "$data" --dist-dir "$dist" >/dev/null &
server=$!
PLAIN_PORT=$((PORT + 1))
"$ROOT/target/server/examples/plain_endpoint" "$PLAIN_PORT" "$data/plain.sqlite3" &
plain=$!
trap 'kill $server $plain 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null 2>&1 && break
  sleep 0.1
done
# Bytes on the wire of a first visit (page and service worker), tap → row (quiet, and with one
# core kept busy), the logbook's page turns, offline reload → interactive.
part pwa && (cd tests/e2e && node bench/bench.mjs "$dist" "http://localhost:$PORT")
# Lighthouse 12, mobile preset: the first screen, and 操作履歴 signed in.
part lighthouse && (cd tests/e2e && CHROME_PATH=/usr/bin/chromium node bench/lighthouse-bench.mjs "http://localhost:$PORT")
# The operation history (第12条) at 1,000,000 events: one operator's month and a year's counts
# per day, beside raw IndexedDB reads and the anchor (30 days of one room), in a fresh profile.
part history && (cd tests/e2e && node bench/history-bench.mjs "http://localhost:$PORT")
# Sync: push and pull + apply of 10,000 events beside a plain POST/GET (each run on a fresh
# endpoint of its own, on the ports after the plain one), then PouchDB's replication of the same
# 10,000 documents in the same run.
if part sync; then
  anchor=$(pouchdb_anchor)
  (cd tests/e2e && DIST="${DIST:-$dist}" POUCHDB_ANCHOR_DIR="$anchor" node bench/sync-bench.mjs "http://localhost:$PLAIN_PORT" "$((PLAIN_PORT + 1))")
fi
# What a pulled line costs IndexedDB by the way it is stored: the app's layout beside others.
part layout && (cd tests/e2e && node bench/layout-bench.mjs)
# The endpoint's ingest: verified pushes beside plain INSERTs, in a fresh SQLite file; then 20
# devices pushing 500 events each at once over HTTP, checked for loss, duplicates and verify.
part ingest && cargo run -q --profile server -p daicho-server --example ingest
# The worst rule re-check: 1,000 revocations over 3,000 loans, and another device's push during it.
part revocation && cargo run -q --profile server -p daicho-server --example revocation
# The fuzz targets (push body, chain check, request signature): executions and crashes each.
part fuzz && "$ROOT/tools/fuzz.sh"
exit 0
