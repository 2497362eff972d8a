#!/usr/bin/env bash
# Starts a fresh, throwaway PostgreSQL cluster (Debian's packages) for the hospital server's
# tests and exports HALE_TEST_POSTGRES for them. Source it: `source scripts/postgres.sh`.
# Each test makes a database of its own on it; `scripts/postgres.sh stop` ends the cluster.
# fsync is off: the cluster holds nothing but test data and is made afresh every time.

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
PG_DIR="${HALE_PG_DIR:-/var/tmp/hale-pg}"
PG_PORT="${HALE_PG_PORT:-54329}"
if [ -z "$PG_BIN" ]; then
  echo "PostgreSQL is not installed (scripts/setup.sh installs it)" >&2
  return 1 2>/dev/null || exit 1
fi

# PostgreSQL refuses to run as root; as root, the cluster belongs to Debian's postgres user.
hale_as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ -f "$PG_DIR/PG_VERSION" ]; then
  hale_as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" -m immediate stop >/dev/null 2>&1 || true
fi
if [ "${1:-}" = "stop" ]; then
  return 0 2>/dev/null || exit 0
fi
rm -rf "$PG_DIR"
mkdir -p "$PG_DIR"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PG_DIR"; fi
hale_as_pg "$PG_BIN/initdb" -D "$PG_DIR" -U postgres --auth=trust --locale=C --encoding=UTF8 >/dev/null
hale_as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" -w \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
  start >/dev/null
export HALE_TEST_POSTGRES="postgres://postgres@127.0.0.1:$PG_PORT"
echo "PostgreSQL for tests: $HALE_TEST_POSTGRES ($("$PG_BIN/postgres" --version))"
