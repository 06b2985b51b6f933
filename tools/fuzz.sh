#!/usr/bin/env bash
# The fuzz targets of crates/server/tests/fuzz.rs (push body, chain check, request signature)
# for FUZZ_SECONDS in total (default 600), shared equally. Prints executions and crashes per
# target; each crash's shrunk input is saved to crates/server/tests/fuzz_corpus/<target>/ as
# crash-<hash> (keep it: `cargo test` replays the corpus). Built in the test profile on
# purpose: its overflow checks turn silent wrap-arounds into crashes. Part of tools/bench.sh.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"
say "fuzz for ${FUZZ_SECONDS:-600} s"
FUZZ_SECONDS=${FUZZ_SECONDS:-600} cargo test -q -p daicho-server --test fuzz fuzz_for_a_while \
  -- --ignored --nocapture
