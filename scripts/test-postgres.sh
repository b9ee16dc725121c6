#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server for the test suite on 127.0.0.1 and
# prints the URL to give COOPCONNECT_TEST_POSTGRES. Installs PostgreSQL from
# Debian when it is missing (as root). Idempotent: a running server is reused.
set -euo pipefail
port=${COOPCONNECT_PG_PORT:-55432}
dir=${COOPCONNECT_PG_DIR:-/tmp/coopconnect-pg}
url="postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable"

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/postgres" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "PostgreSQL is missing: run 'sudo apt-get install -y postgresql' (or set COOPCONNECT_TEST_POSTGRES)" >&2
    exit 1
  fi
  echo "installing PostgreSQL from Debian…" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

# PostgreSQL refuses to run as root: run it as the postgres user (or as the
# current user when not root).
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if run "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
  echo "$url"; exit 0
fi
if [ ! -f "$dir/PG_VERSION" ]; then
  rm -rf "$dir"; mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  run "$bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
# Durability settings are relaxed: this server holds only test databases.
run "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p ${port} -k /tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null
echo "$url"
