#!/usr/bin/env bash
# The test command: brings up Redis and FerretDB, installs, then type-checks, lints, runs every
# test against the real services, then the fault suite (its own Redis and FerretDB on free
# ports, about three minutes of a four-minute budget; `npm run test:faults` alone).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh --deploy-tools
npm run --silent typecheck
npm run --silent lint
mkdir -p .data
rm -f .data/vitest-report.json .data/vitest-faults-report.json
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.data/vitest-report.json "$@" || status=$?
if [ "$#" -eq 0 ]; then
  npx vitest run -c vitest.faults.config.ts --reporter=default --reporter=json --outputFile.json=.data/vitest-faults-report.json || status=$?
fi
# One plain closing line ("N passed, N failed") that any CI can read, whatever the runner.
node -e "
const fs = require('fs');
const reports = ['.data/vitest-report.json', '.data/vitest-faults-report.json'].filter((f) => fs.existsSync(f)).map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
const sum = (k) => reports.reduce((n, r) => n + (r[k] || 0), 0);
console.log(sum('numPassedTests') + ' passed, ' + sum('numFailedTests') + ' failed' + (sum('numPendingTests') ? ', ' + sum('numPendingTests') + ' skipped' : ''));
" || true
exit "$status"
