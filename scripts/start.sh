#!/usr/bin/env bash
#
# npm start: installs what is missing, starts a local broker and database when none is configured,
# provisions databases and topics, and runs the four services with prefixed logs. Ctrl-C stops them;
# the broker keeps running for the next start (stop it with `bash infra/local/kafka.sh stop`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_local_infra
echo "starting the services: gateway on http://localhost:3000 (API docs: README.md), operator console on http://localhost:3005"
exec node --enable-source-maps infra/local/dist/start.js
