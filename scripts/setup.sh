# shellcheck shell=bash
#
# scripts/setup.sh — sourced by start.sh and test.sh: Node 24 and pnpm, dependencies, a build, and the
# broker and database when none is configured. Afterwards KAFKA_BROKERS and DATABASE_URL are exported.

_setup_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
# shellcheck source=scripts/bootstrap.sh
source "${_setup_root}/scripts/bootstrap.sh"
cd "${_setup_root}"

# Installs only when the lockfile or a manifest changed since the last install.
if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile --reporter=append-only
else
  pnpm install --prefer-offline --reporter=silent
fi
pnpm exec turbo run build --output-logs=errors-only

if [ -z "${KAFKA_BROKERS:-}" ]; then
  bash infra/local/kafka.sh start
  export KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT:-9092}"
fi
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
bash infra/local/postgres.sh
