#!/usr/bin/env bash
# Every test of ktctl, from a fresh clone on one of our machines (as root): installs what the tests need,
# then runs the workflow lint (actionlint), the layer lint, type checks and unit tests (through nx, cached),
# the standalone-binary tests, and the end-to-end suite against the local test cluster (brought up when needed).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
export NX_NO_CLOUD=true NX_DAEMON=false
started=$SECONDS
step() { printf '\n== %s (%ss)\n' "$1" "$((SECONDS - started))"; }

step "system packages"
bash tools/install-deps.sh
step "Go tools (actionlint, crane)"
bash tools/go-tools.sh
step "npm packages"
npm ci --no-audit --no-fund
step "lint, typecheck and unit tests"
bash tools/lint-workflows.sh
npx nx run-many -t lint typecheck test --outputStyle=stream
step "standalone binaries"
npm run test:binary -w apps/ktctl
step "end-to-end tests against the local cluster"
# A cluster this run brings up is taken down again, even when a test fails, so the machine is left as
# it was found; one that was already up (a developer's) stays up.
if ! ip netns list 2>/dev/null | grep -q '^ktlaptop\b'; then trap 'step "taking the test cluster down"; bash tools/cluster/down.sh' EXIT; fi
npm run test:e2e
step "done"
