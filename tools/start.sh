#!/usr/bin/env bash
# Runs the platform locally: installs if needed, starts Kafka and PostgreSQL (tools/infra.sh),
# then tools/demo/run.ts (HubSpot sandbox, crm-connector, scoring, routing, one lead's journey).
# `--once` stops after the journey.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/vitest ] || npm install --no-audit --no-fund
bash tools/infra.sh up
exec node --import @swc-node/register/esm-register tools/demo/run.ts "$@"
