#!/usr/bin/env bash
# The test command: brings up Redis and FerretDB, installs, then type-checks, lints and
# runs every test against the real services.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
npm run --silent typecheck
npm run --silent lint
mkdir -p .data
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.data/vitest-report.json "$@" || status=$?
# One plain closing line ("N passed, N failed") that any CI can read, whatever the runner.
node -e "const r=require('./.data/vitest-report.json'); console.log(r.numPassedTests + ' passed, ' + r.numFailedTests + ' failed' + (r.numPendingTests ? ', ' + r.numPendingTests + ' skipped' : ''))" || true
exit "$status"
