#!/usr/bin/env bash
# The test command: brings up Redis and FerretDB, installs, then type-checks, lints and
# runs every test against the real services.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
npm run --silent typecheck
npm run --silent lint
npx vitest run "$@"
