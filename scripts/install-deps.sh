#!/usr/bin/env bash
# Node dependencies (when the lockfile changed) and the real servers and tools (cached).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[deps] npm ci" >&2
  npm ci --no-audit --no-fund >&2 || { echo "[deps] ERROR: npm ci failed; check access to the npm registry and retry" >&2; exit 1; }
fi
# npm links the bins of dependencies, not the project's own: this makes `npx pitr` work here.
ln -sfn ../../bin/pitr node_modules/.bin/pitr
bash scripts/install-toolchain.sh
