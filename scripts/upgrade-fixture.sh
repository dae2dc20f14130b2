#!/usr/bin/env bash
# Makes the upgrade test's data (tests/upgrade/previous-release/) with the previous release's own
# code: checks that release out beside this one, installs it, runs tests/upgrade/seed-previous-release.ts
# there against the local FerretDB and Redis, and keeps the backup it takes with its own admin
# command. Run at each release with the tag of the release before (docs/deploy.md, "Releasing").
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:?usage: bash scripts/upgrade-fixture.sh <tag of the previous release, e.g. v0.5.0>}
git rev-parse --verify --quiet "$tag^{commit}" >/dev/null || { echo "upgrade-fixture: no such tag: $tag" >&2; exit 1; }
bash scripts/services.sh

here=$PWD
out=$here/tests/upgrade/previous-release
tree=$(mktemp -d "/tmp/intake-$tag-XXXXXX")/tree
cleanup() { git -C "$here" worktree remove --force "$tree" 2>/dev/null || true; rm -rf "$(dirname "$tree")"; }
trap cleanup EXIT

git worktree add --detach --quiet "$tree" "$tag"
(cd "$tree" && npm ci --no-audit --no-fund --loglevel=error)
mkdir -p "$tree/tests/upgrade"
cp tests/upgrade/seed-previous-release.ts "$tree/tests/upgrade/"
rm -rf "$out.new"
(cd "$tree" && npx tsx tests/upgrade/seed-previous-release.ts --out "$out.new" --release "$tag")
rm -rf "$out"
mv "$out.new" "$out"
echo "upgrade-fixture: $(du -h "$out/backup.gz" | cut -f1) backup made by $tag in ${out#"$here"/}"
