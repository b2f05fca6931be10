# One Dockerfile for every deployable of the workspace.
#
#   docker build --build-arg SERVICE=account-ledger -t billing/account-ledger .
#   docker build --target provision -t billing/provision .
#
# SERVICE is the folder name under services/ (command-gateway, account-ledger, saga-orchestrator,
# projection-query, operator-console: its dist/ holds the server and the built app in dist/public). The default target (the last stage, `runtime`) runs that service with
# `node dist/main.js`; the `provision` target is the one-shot job that creates the databases, the
# topics of the registry and their ACLs (infra/local/dist/provision-cli.js; its broker identity comes
# from KAFKA_SASL_*, docs/adr/0007-broker-identities-and-acls.md) before the services start.
#
# Stages: base (Node + pnpm) -> deps (package store, from the lockfile alone) -> workspace (install)
#   -> build (one service built and deployed to /out) -> runtime
#   -> provision-build (infra/local built and deployed)  -> provision

ARG NODE_IMAGE=node:24-slim

# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS base
# Keep in step with "packageManager" in the root package.json; the workspace stage checks that it is.
# Installed with npm rather than corepack so that the build only needs the npm registry.
ARG PNPM_VERSION=10.34.8
RUN npm install -g "pnpm@${PNPM_VERSION}" \
  && npm cache clean --force \
  && pnpm --version
ENV TURBO_TELEMETRY_DISABLED=1 \
    CI=true
WORKDIR /repo

# ---------------------------------------------------------------------------------------------------
# `pnpm fetch` needs only the lockfile, so this layer (every package tarball in the store) is
# rebuilt only when pnpm-lock.yaml or the workspace settings change, not on every source edit. The
# patches the workspace settings name must be there too: pnpm refuses a patch it cannot read.
FROM base AS deps
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
COPY patches ./patches
RUN pnpm fetch

# ---------------------------------------------------------------------------------------------------
FROM deps AS workspace
COPY . .
RUN want="$(node -p 'require("./package.json").packageManager')"; have="pnpm@$(pnpm --version)"; \
    if [ "$want" != "$have" ]; then \
      echo "package.json wants $want but the image has $have: update PNPM_VERSION" >&2; exit 1; \
    fi
RUN pnpm install --offline --frozen-lockfile

# ---------------------------------------------------------------------------------------------------
FROM workspace AS build
ARG SERVICE
RUN case "${SERVICE}" in \
      command-gateway|account-ledger|saga-orchestrator|projection-query|operator-console) ;; \
      *) echo "build with --build-arg SERVICE=<command-gateway|account-ledger|saga-orchestrator|projection-query|operator-console> (got '${SERVICE}')" >&2; exit 1 ;; \
    esac
# The service and every workspace package it depends on (the trailing "...").
RUN pnpm turbo run build --filter="@billing/${SERVICE}..."
# pnpm 10's `deploy` by default only works in a workspace with inject-workspace-packages=true. That
# setting is workspace-wide: it is recorded in the lockfile (so it cannot be switched on for the image
# alone under --frozen-lockfile) and it would replace the linked workspace packages that development
# relies on with copies. The image therefore uses the legacy implementation: `--legacy` copies the
# service's files (dist/ included), installs its production dependencies from the store into
# /out/node_modules, and copies the workspace packages it depends on (@billing/contracts,
# @billing/platform, with their dist/) in as real directories. /out is self-contained.
# --offline: everything comes from the store filled by `pnpm fetch`.
RUN pnpm deploy --legacy --offline --filter="@billing/${SERVICE}" --prod /out \
  && rm -rf /out/.turbo /out/test \
  && test -f /out/dist/main.js

# ---------------------------------------------------------------------------------------------------
FROM workspace AS provision-build
RUN pnpm turbo run build --filter="@billing/local-infra..."
RUN pnpm deploy --legacy --offline --filter="@billing/local-infra" --prod /out \
  && rm -rf /out/.turbo /out/kafka /out/kafka.sh /out/postgres.sh \
  && test -f /out/dist/provision-cli.js

# ---------------------------------------------------------------------------------------------------
# One-shot provisioning: databases (on the server named by DATABASE_URL) and topics (KAFKA_BROKERS,
# KAFKA_TOPIC_PREFIX). Idempotent: it creates only what is missing, then exits 0.
FROM ${NODE_IMAGE} AS provision
ENV NODE_ENV=production
WORKDIR /app
# Laid out as in the repository so the command is the same as in a checkout.
COPY --from=provision-build /out /app/infra/local
# The image's "node" user, by number so Kubernetes can check runAsNonRoot. Files stay owned by root.
USER 1000:1000
CMD ["node", "infra/local/dist/provision-cli.js"]

# ---------------------------------------------------------------------------------------------------
# The service image (default target). Listens on HOST:PORT; PORT defaults per service (3000 gateway,
# 3001 ledger, 3002 saga, 3003 projection, 3005 console). The service migrates its own database at start. No
# HEALTHCHECK: orchestrators probe GET /health/live and /health/ready.
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
# The young generation capped at 2 x 16 MiB (infra/local/src/services.ts says why); Kubernetes sets
# NODE_OPTIONS itself and repeats the flag.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    NODE_OPTIONS=--max-semi-space-size=16
LABEL org.opencontainers.image.title="billing ${SERVICE}"
WORKDIR /app
COPY --from=build /out /app
USER 1000:1000
CMD ["node", "dist/main.js"]
