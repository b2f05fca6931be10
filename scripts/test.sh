#!/usr/bin/env bash
#
# npm test: the whole suite. Sets up like `npm start` (Node 24, dependencies, build, broker, database),
# then type-checks, lints, and runs the unit, integration and end-to-end tiers. Integration and
# end-to-end tests create their own databases and topic prefixes, so they never touch a running
# system's data.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
pnpm exec turbo run typecheck lint --output-logs=errors-only
pnpm exec vitest run "$@"
