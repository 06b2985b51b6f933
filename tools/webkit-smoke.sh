#!/usr/bin/env bash
# A smoke test of Daichō in WebKitGTK (Safari's engine): the first setup, one entry that
# survives a reload, and the device's enrollment and first sync, driven through WebKitWebDriver
# (tests/e2e/webkit/smoke.mjs). Not part of tools/test.sh.
#
# Installs what is missing (Debian's webkit2gtk-driver and xvfb), then starts, on 127.0.0.1
# only: Xvfb, daicho-server with a fresh data directory, and WebKitWebDriver; all of them are
# stopped on exit. It does not build: dist/ and target/debug/daicho-server must be built
# (tools/test.sh builds both; or `trunk build --release` and `cargo build -p daicho-server`).
#
# Environment:
#   DAICHO_DIST          the built PWA                (default: dist)
#   DAICHO_SERVER        the server binary            (default: target/debug/daicho-server)
#   WEBKIT_SMOKE_PORT    the server's port            (default: 8390)
#   WEBKIT_DRIVER_PORT   WebKitWebDriver's port       (default: 4445)
#   WEBKIT_SMOKE_OUT     logs, data, failure screenshots (default: target/webkit-smoke)
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"
start=$(date +%s%N)

DIST=${DAICHO_DIST:-$ROOT/dist}
SERVER=${DAICHO_SERVER:-$ROOT/target/debug/daicho-server}
PORT=${WEBKIT_SMOKE_PORT:-8390}
DRIVER_PORT=${WEBKIT_DRIVER_PORT:-4445}
OUT=${WEBKIT_SMOKE_OUT:-$ROOT/target/webkit-smoke}
BROWSER=/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser

fail() {
  echo "webkit-smoke: $*" >&2
  exit 1
}

# What is needed: the driver (its browser, MiniBrowser, comes with libwebkit2gtk-4.1-0), a
# display, Node 18+ for the test, curl to wait for the server and the driver.
apt_install webkit2gtk-driver xvfb
command -v node >/dev/null || apt_install nodejs
command -v curl >/dev/null || apt_install curl
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
  fail "Node 18 or newer is needed (found $(node --version))"
[ -x "$BROWSER" ] || BROWSER=$(dpkg -L libwebkit2gtk-4.1-0 | grep '/MiniBrowser$' | head -1)
[ -x "$BROWSER" ] || fail "no MiniBrowser in libwebkit2gtk-4.1-0"

[ -f "$DIST/index.html" ] ||
  fail "no build in $DIST: build it first (tools/test.sh does; or \`trunk build --release\`)"
[ -x "$SERVER" ] ||
  fail "no server at $SERVER: build it first (tools/test.sh does; or \`cargo build -p daicho-server\`)"

listening() { (: >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
listening "$PORT" && fail "port $PORT is in use (WEBKIT_SMOKE_PORT picks another)"
listening "$DRIVER_PORT" && fail "port $DRIVER_PORT is in use (WEBKIT_DRIVER_PORT picks another)"

# A display nobody uses, from :99 on.
display=99
while [ -e "/tmp/.X$display-lock" ] || [ -e "/tmp/.X11-unix/X$display" ]; do display=$((display + 1)); done

PIDS=()
cleanup() {
  local pid
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid=${PIDS[i]}
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_until WHAT SECONDS COMMAND...: polls COMMAND every 0.1 s.
wait_until() {
  local what="$1" seconds="$2"
  shift 2
  for _ in $(seq $((seconds * 10))); do
    "$@" && return 0
    sleep 0.1
  done
  fail "timed out after ${seconds}s waiting for $what"
}

# A fresh start every run: the server's data, and the browser's (its profile lives under
# XDG_DATA_HOME and XDG_CACHE_HOME, pointed here).
rm -rf "$OUT/data" "$OUT/browser"
mkdir -p "$OUT/data" "$OUT/browser"

say "Xvfb :$display"
Xvfb ":$display" -screen 0 1366x1200x24 -nolisten tcp >"$OUT/xvfb.log" 2>&1 &
PIDS+=($!)
wait_until "Xvfb :$display" 10 test -e "/tmp/.X11-unix/X$display"

say "daicho-server on 127.0.0.1:$PORT ($SERVER, $DIST)"
"$SERVER" --bind 127.0.0.1 --port "$PORT" --data-dir "$OUT/data" --dist-dir "$DIST" >"$OUT/server.log" 2>&1 &
PIDS+=($!)
wait_until "the server (log: $OUT/server.log)" 30 curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/api/health"

say "WebKitWebDriver on 127.0.0.1:$DRIVER_PORT ($(dpkg-query -W -f='${Version}' webkit2gtk-driver))"
DISPLAY=":$display" XDG_DATA_HOME="$OUT/browser/data" XDG_CACHE_HOME="$OUT/browser/cache" \
  XDG_CONFIG_HOME="$OUT/browser/config" \
  WebKitWebDriver --host=127.0.0.1 --port="$DRIVER_PORT" >"$OUT/webdriver.log" 2>&1 &
PIDS+=($!)
wait_until "WebKitWebDriver (log: $OUT/webdriver.log)" 10 \
  sh -c "curl -sf --max-time 1 http://127.0.0.1:$DRIVER_PORT/status | grep -q '\"ready\":true'"

say "smoke test (tests/e2e/webkit/smoke.mjs)"
# In the background and waited for: a signal stops the wait, and the trap stops the test too.
rc=0
WEBDRIVER_URL="http://127.0.0.1:$DRIVER_PORT" APP_URL="http://localhost:$PORT" \
  DAICHO_SERVER="$SERVER" DATA_DIR="$OUT/data" BROWSER_BINARY="$BROWSER" OUT_DIR="$OUT" \
  node "$ROOT/tests/e2e/webkit/smoke.mjs" &
PIDS+=($!)
wait $! || rc=$?
echo "webkit-smoke: total $(((($(date +%s%N) - start) / 1000000))) ms (with the installs and starts)"
exit "$rc"
