#!/usr/bin/env bash
# The README's test command: installs what it needs, builds, and runs the suite against
# the real stack. Arguments go to test/harness/run.ts (`--unit`, or test files/folders).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm run --silent build
exec node dist/test/harness/run.js "$@"
