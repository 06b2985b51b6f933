#!/usr/bin/env bash
# Runs every test of Daichō, installing what the tests need first: formatting, clippy on native
# and wasm32, native unit and integration tests, the server's integration tests again on a
# throwaway PostgreSQL cluster (postgres-tests.sh), wasm-bindgen-test in headless Chromium, and
# the end-to-end tests in Debian's Chromium against the release build. Every step runs even
# after one fails; the exit code is non-zero if any failed. .ci/run calls exactly this.
set -uo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"
install_build_tools && install_test_tools || {
  echo "installing the test tools failed" >&2
  exit 1
}

LOGS=$(mktemp -d)
FAILED=()

# One-shot builds gain nothing from cargo's incremental caches, which grow by gigabytes a run
# (a full disk once failed the release build and the e2e server's database alike).
export CARGO_INCREMENTAL=0
free_disk() { df -Pk "$ROOT" | awk 'NR == 2 { print int($4 / 1048576) }'; }
if [ "$(free_disk)" -lt 10 ]; then
  say "under 10 GB free: removing cargo's incremental caches"
  rm -rf "$ROOT"/target/*/incremental "$ROOT"/target/*/*/incremental
fi
say "free disk: $(free_disk) GB"

# step NAME COMMAND...: runs it, keeps its output for the summary, remembers a failure.
step() {
  local name="$1"
  shift
  say "$name: $*"
  "$@" 2>&1 | tee "$LOGS/$name.log"
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || FAILED+=("$name")
}

wasm_clippy() {
  cargo clippy --target wasm32-unknown-unknown -p daicho --all-targets -- -D warnings &&
    cargo clippy --target wasm32-unknown-unknown -p daicho-core --lib -- -D warnings
}

build_for_e2e() {
  build_pwa && cargo build -p daicho-server
}

e2e() {
  rm -rf "$ROOT/target/e2e-data"
  (cd "$ROOT/tests/e2e" && npx playwright test)
}

step fmt cargo fmt --all --check
step clippy-native cargo clippy --workspace --all-targets -- -D warnings
step clippy-wasm32 wasm_clippy
step test-native cargo test -p daicho-core -p daicho-server
step test-postgres "$ROOT/tools/postgres-tests.sh"
step test-wasm cargo test --target wasm32-unknown-unknown -p daicho
step build build_for_e2e
if [[ " ${FAILED[*]} " == *" build "* ]]; then
  echo "e2e not run: the build it tests failed" | tee "$LOGS/e2e.log"
  FAILED+=(e2e)
else
  step e2e e2e
fi

# Summary: each runner's own closing lines, then one total.
say "summary"
passed=0
failed=0
for runner in test-native test-postgres test-wasm; do
  while read -r p f; do
    passed=$((passed + p))
    failed=$((failed + f))
  done < <(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' "$LOGS/$runner.log")
  grep '^test result:' "$LOGS/$runner.log" | sed "s/^/$runner: /"
done
p=$(sed -n 's/^ *\([0-9]*\) passed (.*/\1/p' "$LOGS/e2e.log" | tail -1)
f=$(sed -n 's/^ *\([0-9]*\) failed$/\1/p' "$LOGS/e2e.log" | tail -1)
echo "e2e (playwright): ${p:-0} passed, ${f:-0} failed"
passed=$((passed + ${p:-0}))
failed=$((failed + ${f:-0}))
if [ ${#FAILED[@]} -gt 0 ]; then
  # What each failed step last said, so that the end of the output tells why.
  for name in "${FAILED[@]}"; do
    say "the end of $name's output"
    grep -v '^\s*$' "$LOGS/$name.log" | tail -n 25
  done
  say "free disk: $(free_disk) GB"
fi
rm -rf "$LOGS"
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "failed steps: ${FAILED[*]}"
  echo "total: $passed passed, $failed failed"
  exit 1
fi
echo "total: $passed passed, $failed failed"
