#!/usr/bin/env bash
# Runs the e2e suite against the local test cluster, bringing it up first when needed (needs root).
#   bash e2e/run.sh [vitest args...]     e.g. bash e2e/run.sh tests/harness.test.ts
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
[ -x node_modules/.bin/vitest ] || { echo "e2e: node_modules missing: run 'npm ci' first" >&2; exit 1; }
bash tools/cluster/up.sh
bash e2e/prepare-ktctl.sh
exec node_modules/.bin/vitest run --config e2e/vitest.config.ts "$@"
