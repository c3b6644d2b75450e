#!/usr/bin/env bash
# Runs every test: unit specs and integration specs against a real Kafka broker and a real
# PostgreSQL, which it starts (tools/infra.sh) when they are not running and stops again after.
# Extra arguments go to vitest (e.g. `npm test -- apps/routing`).
set -uo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/vitest ] || npm ci --no-audit --no-fund || exit 1

# Stop the broker afterwards only if this run started it (status is read whole: grep -q in a
# pipe would end it early and, with pipefail, look like "not running").
started_kafka=1
case "$(bash tools/infra.sh status 2>/dev/null || true)" in *"running on"*) started_kafka=0 ;; esac
bash tools/infra.sh up || { echo "infrastructure failed to start"; exit 1; }

mkdir -p reports
rm -f reports/vitest.json
vitest run --reporter=default --reporter=json --outputFile.json=reports/vitest.json "$@"
rc=$?

node tools/test-summary.mjs reports/vitest.json | tee reports/summary.txt
[ -s reports/vitest.json ] || rc=1

if [ "$started_kafka" = 1 ] && [ "${BATON_KEEP_INFRA:-0}" != 1 ]; then bash tools/infra.sh down; fi
exit $rc
