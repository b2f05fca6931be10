#!/usr/bin/env bash
#
# infra/local/postgres.sh — make sure a PostgreSQL server answers at DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/postgres). When none answers and this machine has a Debian-style
# local cluster, start it; otherwise explain what is missing. Databases and schemas are created later
# by provisioning and by each service's migrations.
set -euo pipefail

url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

answers() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -d "$url" -t 3
  else
    node -e "const c=new (require('pg').Client)({connectionString:process.argv[1]});c.connect().then(()=>c.end()).then(()=>process.exit(0),()=>process.exit(1))" "$url"
  fi
}

if answers; then
  echo "postgres: answering at ${url%%\?*}"
  exit 0
fi

if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  echo "postgres: starting the local cluster ${version}/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 60); do
    if answers; then
      echo "postgres: answering at ${url%%\?*}"
      exit 0
    fi
    sleep 0.5
  done
fi

echo "postgres: error: no PostgreSQL server answers at ${url%%\?*}. Install PostgreSQL 15+ or set DATABASE_URL." >&2
exit 1
