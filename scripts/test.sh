#!/usr/bin/env bash
#
# npm test: the whole suite. Sets up like `npm start` (Node 24, dependencies, build, broker, database),
# then type-checks, lints, and runs the unit, integration and end-to-end tiers. Integration and
# end-to-end tests create their own databases and topic prefixes, so they never touch a running
# system's data. Extra arguments go to vitest (e.g. `npm test -- --project unit`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
# With nothing configured and a Docker engine at hand, the tests' global set-up starts Kafka and
# PostgreSQL with testcontainers; otherwise the local broker and database are used.
if [ -z "${KAFKA_BROKERS:-}${DATABASE_URL:-}" ] && docker_engine_available; then
  echo "test infrastructure: testcontainers"
else
  ensure_local_infra
fi
ensure_chromium
pnpm exec prettier --check . --log-level warn
pnpm exec turbo run typecheck lint --output-logs=errors-only
pnpm exec tsc -p tsconfig.json

report=".local/vitest-report.json"
mkdir -p .local
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?

# One closing line in the plain "N passed, N failed" form, read by CI whatever the runner.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  // A file that fails before any test runs (a failing beforeAll) counts as one failure.
  const brokenFiles = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.every((a) => a.status !== "failed")).length;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed, ${skipped} skipped`);
' "$report" || true
exit "$status"
