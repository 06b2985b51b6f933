#!/usr/bin/env bash
# Runs Daichō: installs what is missing, builds the PWA in release, and starts daicho-server
# serving it and its API on 127.0.0.1:8080 with its state in ./data/daicho.sqlite3.
# Arguments go to the server: --port, --bind, --data-dir, --dist-dir (see --help).
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"
install_build_tools
build_pwa
say "cargo build daicho-server"
cargo build --profile server -p daicho-server
exec "$ROOT/target/server/daicho-server" serve "$@"
