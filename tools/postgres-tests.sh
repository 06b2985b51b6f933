#!/usr/bin/env bash
# The server's integration tests on PostgreSQL (test.sh's step test-postgres): installs Debian's
# postgresql if missing, starts a throwaway cluster on 127.0.0.1 (trust authentication, fsync
# off: for tests only), runs the tests with DAICHO_TEST_POSTGRES pointing at it (each test makes
# its own database), then stops the cluster and deletes it, whether the tests passed or not.
# Only the integration tests run: they alone reach the database through tests/common. Two roles,
# as the README sets them up: `daicho` makes and owns each test's database and migrates it;
# the server serves as `daicho_app`, which may only read and append. Arguments are test-name
# filters (`tools/postgres-tests.sh fork`); the PostgreSQL-only tests (named `postgres_only_…`,
# ignored on SQLite) run after the others.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"
install_postgres
bin=$(postgres_bin)
[ -x "$bin/initdb" ] || {
  echo "no initdb under /usr/lib/postgresql" >&2
  exit 1
}

# PostgreSQL refuses to run as root: as root, the cluster is the postgres user's.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The first port from 54329 nobody listens on.
free_port() {
  local port
  for port in $(seq 54329 54399); do
    (: >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || {
      echo "$port"
      return 0
    }
  done
  return 1
}

cluster=$(mktemp -d)
stop_cluster() {
  as_postgres "$bin/pg_ctl" -D "$cluster/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$cluster"
}
trap stop_cluster EXIT
[ "$(id -u)" -ne 0 ] || chown postgres: "$cluster"
port=$(free_port)
started=$SECONDS

say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}'): throwaway cluster on 127.0.0.1:$port"
as_postgres "$bin/initdb" -D "$cluster/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
as_postgres "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/log" -w start -o \
  "-c listen_addresses=127.0.0.1 -p $port -k $cluster -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null || {
  cat "$cluster/log" >&2
  exit 1
}
as_postgres "$bin/psql" -qX -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres <<'SQL'
CREATE ROLE daicho LOGIN CREATEDB;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'daicho_app') THEN
    CREATE ROLE daicho_app LOGIN;
  END IF;
END $$;
SQL
say "cluster ready in $((SECONDS - started)) s"

export DAICHO_TEST_POSTGRES="postgres://daicho@127.0.0.1:$port"
export DAICHO_TEST_POSTGRES_RUNTIME_ROLE=daicho_app
cargo test -p daicho-server --test '*' -- "$@"
cargo test -p daicho-server --test '*' -- --ignored postgres_only_
