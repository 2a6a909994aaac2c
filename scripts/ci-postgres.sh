#!/usr/bin/env bash
# Starts a real PostgreSQL (Debian's package) for the server tests and prints its URL on stdout.
# Idempotent: installs only if missing, creates the cluster/role/database only if absent.
# Usage: export WARDEN_TEST_PG_URL="$(bash scripts/ci-postgres.sh)"
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
ROLE=${WARDEN_PG_ROLE:-warden}
PASS=${WARDEN_PG_PASSWORD:-warden}
DB=${WARDEN_PG_DB:-warden_test}
PORT=${WARDEN_PG_PORT:-5432}

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql; } >&2
fi
PGV=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
if [ -z "$PGV" ]; then
  PGV=$(ls /usr/lib/postgresql | sort -V | tail -1)
fi
pg_lsclusters -h | grep -q "^$PGV main" || pg_createcluster "$PGV" main >&2
pg_ctlcluster --skip-systemctl-redirect "$PGV" main start >/dev/null 2>&1 || true
for _ in $(seq 60); do pg_isready -q -h 127.0.0.1 -p "$PORT" && break; sleep 0.5; done
pg_isready -q -h 127.0.0.1 -p "$PORT" || { echo "ci-postgres: PostgreSQL did not become ready on 127.0.0.1:$PORT" >&2; exit 1; }

psql_su() { su postgres -c "psql -p $PORT -v ON_ERROR_STOP=1 -qtA $*"; }
psql_su "-c \"SELECT 1 FROM pg_roles WHERE rolname='$ROLE'\"" | grep -q 1 \
  || psql_su "-c \"CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASS'\"" >&2
psql_su "-c \"SELECT 1 FROM pg_database WHERE datname='$DB'\"" | grep -q 1 \
  || psql_su "-c 'CREATE DATABASE $DB OWNER $ROLE'" >&2
echo "postgres://$ROLE:$PASS@127.0.0.1:$PORT/$DB"
