#!/usr/bin/env bash
#
# scripts/compose-env.sh — writes <repo>/.env for `docker compose up` once: random broker passwords for
# the super user and each service (docs/adr/0007-broker-identities-and-acls.md). .env is git-ignored and
# never overwritten; delete it (and the compose volumes) to start over with new passwords.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
env_file="${root}/.env"
if [[ -s "$env_file" ]] && grep -q '^KAFKA_ADMIN_PASSWORD=' "$env_file"; then
  echo "compose-env: ${env_file} already has the broker passwords; leaving it alone"
  exit 0
fi

# 32 letters and digits: nothing that needs quoting in JAAS, properties or YAML.
password() {
  local pw=""
  while ((${#pw} < 32)); do
    pw+="$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
  done
  printf '%s\n' "${pw:0:32}"
}

umask 077
{
  printf 'KAFKA_ADMIN_PASSWORD=%s\n' "$(password)"
  for name in COMMAND_GATEWAY ACCOUNT_LEDGER SAGA_ORCHESTRATOR PROJECTION_QUERY; do
    printf 'KAFKA_PASSWORD_%s=%s\n' "$name" "$(password)"
  done
} >>"$env_file"
echo "compose-env: wrote broker passwords to ${env_file}"
