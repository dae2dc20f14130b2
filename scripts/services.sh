#!/usr/bin/env bash
# Makes sure the services the bot and its tests need are answering on this machine:
# Redis on 127.0.0.1:6379 and FerretDB (MongoDB-compatible) on 127.0.0.1:27017, on PostgreSQL
# when it answers on 127.0.0.1:5432, else on SQLite.
# Installs or builds what is missing. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[services] %s\n' "$*"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 100); do port_open "$1" && return 0; sleep 0.2; done
  log "nothing answers on port $1"; return 1
}

ensure_redis() {
  if ! command -v redis-server >/dev/null; then
    log "installing redis-server"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  if ! port_open 6379; then
    log "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --maxmemory-policy noeviction >/dev/null
    wait_port 6379
  fi
  # BullMQ must never have its keys evicted.
  redis-cli -p 6379 config set maxmemory-policy noeviction >/dev/null || true
}

FERRETDB_VERSION=v1.24.2

ferretdb_bin() { echo "$(go env GOPATH)/bin/ferretdb"; }

build_ferretdb() {
  command -v go >/dev/null || { log "Go is needed to build FerretDB"; exit 1; }
  log "building FerretDB $FERRETDB_VERSION (once per machine)"
  GOFLAGS=-mod=mod go mod download "github.com/FerretDB/FerretDB@$FERRETDB_VERSION"
  local src work
  src=$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  work=$(mktemp -d)
  cp -r "$src/." "$work/" && chmod -R u+w "$work"
  # `go install …@v1.24.2` panics at start: the release's version file is generated, not in the module.
  echo "$FERRETDB_VERSION" > "$work/build/version/version.txt"
  (cd "$work" && go build -o "$(ferretdb_bin)" ./cmd/ferretdb)
  rm -rf "$work"
}

# FerretDB keeps its data in PostgreSQL when PostgreSQL answers on 127.0.0.1:5432 (as it does on
# the machines this project is built on), else in SQLite files under .data/ferretdb. FerretDB v1
# turns only a few filters into SQL, and SQLite then reads and decodes every document of the
# collection for each of them: PostgreSQL does the same work several times faster (see
# docs/storage-compatibility.md). FERRETDB_HANDLER=sqlite|postgresql chooses explicitly.
postgres_user() { echo "${PGUSER:-$(id -un)}"; }

ferretdb_handler() {
  if [ -n "${FERRETDB_HANDLER:-}" ]; then echo "$FERRETDB_HANDLER"; return; fi
  if port_open 5432 && command -v psql >/dev/null; then echo postgresql; else echo sqlite; fi
}

ensure_postgres_database() {
  local name=$1 psql=(psql -h 127.0.0.1 -p 5432 -U "$(postgres_user)" -d postgres -v ON_ERROR_STOP=1 -qtA)
  "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 && return 0
  log "creating the PostgreSQL database $name for FerretDB"
  "${psql[@]}" -c "CREATE DATABASE \"$name\""
}

# GIN twins of FerretDB's indexes, which PostgreSQL can use for FerretDB's filters (see the file).
# Run every time: it also covers a database and indexes made before it existed.
tune_postgres_for_ferretdb() {
  psql -h 127.0.0.1 -p 5432 -U "$(postgres_user)" -d "$1" -v ON_ERROR_STOP=1 -qtA -f scripts/ferretdb-postgresql.sql >/dev/null
}

ensure_ferretdb() {
  if [ "$(ferretdb_handler)" = postgresql ]; then
    ensure_postgres_database ferretdb
    tune_postgres_for_ferretdb ferretdb
  fi
  port_open 27017 && return 0
  [ -x "$(ferretdb_bin)" ] || build_ferretdb
  mkdir -p .data/ferretdb
  local storage
  case "$(ferretdb_handler)" in
    postgresql)
      storage=(--handler=postgresql "--postgresql-url=postgres://$(postgres_user)@127.0.0.1:5432/ferretdb")
      log "starting FerretDB on 127.0.0.1:27017 (data in PostgreSQL, database ferretdb)" ;;
    sqlite)
      storage=(--handler=sqlite "--sqlite-url=file:$(pwd)/.data/ferretdb/")
      log "starting FerretDB on 127.0.0.1:27017 (data in .data/ferretdb)" ;;
    *) log "FERRETDB_HANDLER must be postgresql or sqlite"; exit 1 ;;
  esac
  nohup "$(ferretdb_bin)" --listen-addr=127.0.0.1:27017 "${storage[@]}" --state-dir="$(pwd)/.data/ferretdb" \
    --telemetry=disable --debug-addr=- --log-level=warn >.data/ferretdb.log 2>&1 &
  wait_port 27017
}

ensure_chromium() {
  # whatsapp-web.js drives Debian's Chromium (Puppeteer's own download cannot be reached).
  command -v chromium >/dev/null && return 0
  log "installing chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}

ensure_form_tools() {
  # The support request form (PDF) is printed by Chromium in Debian's Noto fonts (Arabic shaped and
  # joined); the tests read the PDFs back with poppler (pdftotext, pdfinfo, pdftoppm).
  if fc-list 2>/dev/null | grep -q 'Noto Naskh Arabic' && command -v pdftotext >/dev/null; then return 0; fi
  log "installing fonts-noto-core and poppler-utils"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-core poppler-utils >/dev/null
}

ensure_deploy_tools() {
  # The tests read deploy/ with the programs a server reads it with (tests/integration/deploy-files.test.ts):
  # systemd-analyze and logrotate (on this machine already), caddy, and docker-compose (which brings PyYAML).
  if command -v systemd-analyze caddy docker-compose logrotate >/dev/null && python3 -c 'import yaml' 2>/dev/null; then return 0; fi
  log "installing caddy, docker-compose, systemd and logrotate (to check deploy/)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy docker-compose systemd logrotate python3-yaml >/dev/null
}

ensure_node_modules() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm packages"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

ensure_env_file() {
  [ -f .env ] && return 0
  log "creating .env with fresh encryption keys (keep it safe: data encrypted with these keys cannot be read without them)"
  # No shared ADMIN_HTTP_TOKEN (deprecated): each administrator gets their own with "npm run admin -- staff token".
  local data lookup
  data=$(node -e "process.stdout.write(require('crypto').randomBytes(32).toString('base64'))")
  lookup=$(node -e "process.stdout.write(require('crypto').randomBytes(32).toString('base64'))")
  sed -e "s|^DATA_KEYS=.*|DATA_KEYS=local1:$data|" -e "s|^DATA_KEY_CURRENT=.*|DATA_KEY_CURRENT=local1|" -e "s|^LOOKUP_KEY=.*|LOOKUP_KEY=$lookup|" .env.example >.env
  chmod 600 .env
}

ensure_redis
ensure_ferretdb
ensure_chromium
ensure_form_tools
ensure_node_modules
for option in "$@"; do
  case $option in
    --env) ensure_env_file ;;          # the quick start: a .env with fresh keys
    --deploy-tools) ensure_deploy_tools ;; # the tests: the programs that check deploy/
    *) log "unknown option: $option"; exit 1 ;;
  esac
done
