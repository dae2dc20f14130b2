#!/usr/bin/env bash
# Quick start: brings up Redis and FerretDB, installs, builds, and runs the service.
# With no messaging tokens in .env it serves the local console chat in this terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh --env
npm run --silent build
exec node --enable-source-maps dist/main.js "$@"
