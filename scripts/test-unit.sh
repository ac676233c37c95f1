#!/bin/sh
# Unit tests live beside the code as *.test.ts; scripts/test-unit.cjs finds them (an empty list is an
# error, never a silent pass) and runs them in a few lanes, each one process (see there why).
set -u
cd "$(dirname "$0")/.."
mkdir -p reports
# Some tests spawn bin/oqs-reader.js, which runs dist/: build it first (a no-op when it is current;
# never under c8, whose NODE_V8_COVERAGE would record the compiler).
env -u NODE_V8_COVERAGE node scripts/build.cjs >/dev/null || echo "test-unit: the build reported errors (see npm run build); dist/ may be stale" >&2
exec node scripts/test-unit.cjs "$@"
