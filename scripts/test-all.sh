#!/bin/sh
# Everything `npm test` runs. Every suite runs even after one fails; the exit code is non-zero if
# any failed; the last line is the totals over all runners.
set -u
find reports -mindepth 1 ! -name README.md -exec rm -rf {} + 2>/dev/null
mkdir -p reports
rc=0
echo "== typecheck"
sh scripts/typecheck.sh || rc=1
echo "== unit tests and conformance suite (emulator), under c8"
npx --no-install c8 sh -c 'r=0; sh scripts/test-unit.sh || r=1; npx --no-install cucumber-js -p emulator || r=1; exit $r' || rc=1
echo "== traceability"
node scripts/traceability.cjs reports/cucumber-emulator.json reports/traceability.md || rc=1
echo "== mutants (each breaks one rule; the suite must then fail)"
node scripts/mutants.cjs || rc=1
node scripts/tally.cjs reports/typecheck.xml reports/unit.xml reports/cucumber-emulator.xml reports/mutants.xml || rc=1
exit $rc
