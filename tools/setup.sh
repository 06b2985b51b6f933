# Installs what Daichō needs, each step skipped when already done. Sourced by run.sh, test.sh
# and bench.sh; works on a fresh Debian 12 machine that has only the Rust toolchain.
# Tool versions are pinned here and in the lockfiles beside them.

TRUNK_VERSION=0.21.14 # 0.22 needs rustc >= 1.96.1; rust-toolchain.toml pins 1.95.0
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$HOME/.cargo/bin:$ROOT/tools/wasm-opt/node_modules/.bin:$PATH"

say() { if [ -t 1 ]; then printf '\033[1m==> %s\033[0m\n' "$*"; else printf '==> %s\n' "$*"; fi; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages not installed yet (one apt-get update, only when needed).
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "apt-get install ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# `npm ci` in DIR unless its node_modules already matches the lockfile.
npm_ci() {
  local dir="$1"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
    [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "npm ci in ${dir#"$ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# The wasm-bindgen version Cargo.lock pins: the CLI must be exactly that version.
locked_wasm_bindgen() {
  sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p}' "$ROOT/Cargo.lock"
}

install_build_tools() {
  command -v cc >/dev/null || apt_install gcc libc6-dev
  command -v node >/dev/null || apt_install nodejs npm
  command -v npm >/dev/null || apt_install npm
  command -v brotli >/dev/null || apt_install brotli
  # The toolchain, components and wasm32 target that rust-toolchain.toml pins.
  (cd "$ROOT" && rustup toolchain install >/dev/null)
  if ! trunk --version 2>/dev/null | grep -qF "$TRUNK_VERSION"; then
    say "cargo install trunk $TRUNK_VERSION (about 18 minutes on 2 cores, once)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
  local wbg
  wbg=$(locked_wasm_bindgen)
  if ! wasm-bindgen --version 2>/dev/null | grep -qF "$wbg"; then
    # Without --locked: its lockfile pins a crate version the registry no longer has.
    say "cargo install wasm-bindgen-cli $wbg (about 12 minutes on 2 cores, once)"
    cargo install wasm-bindgen-cli --version "$wbg"
  fi
  # wasm-opt from npm's binaryen: Debian's binaryen 108 produces a wasm that fails at runtime.
  npm_ci "$ROOT/tools/wasm-opt"
}

install_test_tools() {
  # firefox-esr: the e2e tests' Firefox project (Playwright over WebDriver BiDi, no download).
  # sqlite3: the e2e test of a rewritten server history edits the database as an attacker would.
  apt_install chromium chromium-driver firefox-esr fonts-noto-cjk sqlite3
  npm_ci "$ROOT/tests/e2e"
}

# The benches' Lighthouse and the puppeteer-core it drives (tests/e2e/bench/package-lock.json;
# no browser download: they run Debian's Chromium).
install_bench_tools() {
  PUPPETEER_SKIP_DOWNLOAD=1 npm_ci "$ROOT/tests/e2e/bench"
}

# Debian's PostgreSQL, for the server's tests on PostgreSQL (tools/postgres-tests.sh).
install_postgres() {
  apt_install postgresql
}

# The bin directory of the newest PostgreSQL installed (initdb and pg_ctl are not on PATH).
postgres_bin() {
  find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin | sort -V | tail -1
}

build_pwa() {
  say "trunk build --release"
  (cd "$ROOT" && trunk build --release) && precompress "$ROOT/dist"
}

# Every file of a build also as .br and .gz beside it: the server sends the one the browser
# accepts (crates/server/src/static_files.rs), compressed once here, not on every request.
precompress() {
  find "$1" -type f ! -name '*.br' ! -name '*.gz' ! -name '*.png' -print0 |
    while IFS= read -r -d '' file; do
      brotli -f -q 11 -o "$file.br" "$file" && gzip -f -9 -k "$file" || return 1
    done
}
