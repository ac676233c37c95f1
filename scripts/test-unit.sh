#!/bin/sh
# Unit tests live beside the code as *.test.ts. Node 20's runner neither finds .ts files nor
# expands ** globs, so list them here; an empty list is an error, never a silent pass.
set -u
files=$(find src simulator scripts steps -name '*.test.ts' -not -path '*/node_modules/*' | sort)
if [ -z "$files" ]; then echo "no unit test files found" >&2; exit 1; fi
mkdir -p reports
# Some tests spawn bin/oqs-reader.js, which runs dist/: build it first (a no-op when it is current;
# never under c8, whose NODE_V8_COVERAGE would record the compiler).
env -u NODE_V8_COVERAGE node scripts/build.cjs >/dev/null || echo "test-unit: the build reported errors (see npm run build); dist/ may be stale" >&2
# shellcheck disable=SC2086
exec node --test --require ts-node/register --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=junit --test-reporter-destination=reports/unit.xml $files
