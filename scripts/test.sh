#!/usr/bin/env bash
# The README's test command: installs what it needs, builds, and runs the suite against
# the real stack. Arguments go to test/harness/run.ts (`--unit`, or test files/folders).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Format and lint first: seconds, and a finding fails the run like a failing test.
npx biome ci --colors=off .
npm run --silent build
exec node dist/test/harness/run.js "$@"
