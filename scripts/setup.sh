# shellcheck shell=bash
#
# scripts/setup.sh — sourced by start.sh and test.sh: Node 24 and pnpm, dependencies and a build. Then
# `ensure_local_infra` makes a broker and a database available when none is configured and exports
# KAFKA_BROKERS and DATABASE_URL, and KAFKA_CREDENTIALS_FILE when the broker is the local one, which runs
# with SASL and ACLs (docs/adr/0007-broker-identities-and-acls.md).

_setup_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
# shellcheck source=scripts/bootstrap.sh
source "${_setup_root}/scripts/bootstrap.sh"
cd "${_setup_root}"

if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile --reporter=append-only
else
  pnpm install --prefer-offline --reporter=silent
fi
pnpm exec turbo run build --output-logs=errors-only

ensure_local_infra() {
  if [ -z "${KAFKA_BROKERS:-}" ]; then
    # Also replaces a broker of this checkout that an older kafka.sh started without SASL.
    bash infra/local/kafka.sh start
    export KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT:-9092}"
    # The identities of the local broker: its super user for provisioning and test probes, one per
    # service for the services. Empty when the broker on the port is not this checkout's.
    KAFKA_CREDENTIALS_FILE="$(bash infra/local/kafka.sh credentials-file)"
    if [ -n "$KAFKA_CREDENTIALS_FILE" ]; then
      export KAFKA_CREDENTIALS_FILE
    else
      unset KAFKA_CREDENTIALS_FILE
    fi
  fi
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  bash infra/local/postgres.sh
}

# Debian's chromium for the operator console's browser tests (test/ui), installed when missing.
ensure_chromium() {
  bash scripts/chromium.sh >/dev/null
}

docker_engine_available() {
  command -v docker >/dev/null 2>&1 && docker info --format '{{.ServerVersion}}' >/dev/null 2>&1
}
