#!/usr/bin/env bash
# The README's first command: installs what it needs, builds, and runs the main job end
# to end on the local stack (`pitr dev up` defaults; state in ~/.local/state/pitr/dev).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm run --silent build
exec node dist/client/cli.js demo "$@"
