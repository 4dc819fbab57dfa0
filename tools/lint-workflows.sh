#!/usr/bin/env bash
# Checks every GitHub Actions workflow with actionlint (syntax, expressions, runner labels, action inputs,
# job dependencies, and each `run:` script through shellcheck). The workflows only run on GitHub's runners;
# this is what checks them here. actionlint is built by tools/go-tools.sh; shellcheck comes from Debian
# (tools/install-deps.sh): without it actionlint would skip the scripts silently, so it is required.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
bash "$repo/tools/go-tools.sh"
command -v shellcheck >/dev/null || { echo "lint-workflows: shellcheck is missing: run tools/install-deps.sh" >&2; exit 1; }
cd "$repo"
"$repo/.cache/bin/actionlint" -no-color "$@"
