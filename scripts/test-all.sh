#!/bin/sh
# Everything `npm test` runs. Every suite runs even after one fails; the exit code is non-zero if
# any failed; the last line is the totals over all runners.
set -u
find reports -mindepth 1 ! -name README.md -exec rm -rf {} + 2>/dev/null
mkdir -p reports
rc=0
echo "== typecheck"
# The server's TypeScript, then the page's JavaScript as browser code (tsconfig.browser.json).
sh scripts/lib/node-test.sh typecheck scripts/lib/command-case.ts "tsc --noEmit" -- sh -c 'npx --no-install tsc --noEmit -p . && npx --no-install tsc -p tsconfig.browser.json' || rc=1
echo "== build: dist/ (what ships; bin/oqs-reader.js runs it, so every test that spawns it tests this build)"
sh scripts/lib/node-test.sh build scripts/lib/command-case.ts "npm run build" -- node scripts/build.cjs || rc=1
# Under c8 so the emulator processes, certify and the CLI count towards code coverage too.
npx --no-install c8 sh -c '
  r=0
  echo "== unit tests"; sh scripts/test-unit.sh || r=1
  echo "== conformance suite: emulator (in-process, virtual clock)"; npx --no-install cucumber-js -p emulator || r=1
  echo "== conformance suite: emulator behind 9600 baud, a 16 ms latency timer, 1-7 byte reads"; npx --no-install cucumber-js -p emulator-paced || r=1
  echo "== conformance suite: pty (oqs-reader emulate in its own process, native serial binding)"; npx --no-install cucumber-js -p pty || r=1
  echo "== conformance suite: product (each scenario drives a real oqs-reader start over HTTP; readers on the pty emulator)"; npx --no-install cucumber-js -p product || r=1
  echo "== hardware profile and certification against the pty emulator"; sh scripts/lib/node-test.sh serial-selftest scripts/serial-selftest.ts || r=1
  echo "== browser tests: the operation screen in headless Chromium"; sh scripts/test-e2e.sh || r=1
  exit $r' || rc=1
echo "== coverage thresholds (.c8rc.json)"
sh scripts/lib/node-test.sh coverage-check scripts/lib/command-case.ts "c8 thresholds" -- \
  npx --no-install c8 check-coverage || rc=1
echo "== same verdicts on every profile"
sh scripts/lib/node-test.sh verdicts scripts/compare-verdicts.ts reports/cucumber-emulator.json reports/cucumber-emulator-paced.json reports/cucumber-pty.json reports/cucumber-product.json reports/cucumber-hardware.json || rc=1
echo "== traceability and protocol coverage"
node scripts/traceability.cjs reports/cucumber-emulator.json reports/traceability.md || rc=1
node -r ts-node/register scripts/protocol-coverage.ts emulator emulator-paced pty product hardware || rc=1
echo "== protocol rules: every numbered rule of docs/protocol.md has a conformance test (reports/protocol-rules.md)"
sh scripts/lib/node-test.sh protocol-rules scripts/lib/command-case.ts "protocol rule matrix" -- node scripts/protocol-rules.cjs reports/protocol-rules.md || rc=1
echo "== durability: SIGKILL the controller 200 times during a stream of confirmations"
sh scripts/lib/node-test.sh kill-test scripts/kill-test.ts --kills 200 || rc=1
echo "== privacy: no 個人番号, PIN or image bytes in anything the runs wrote"
sh scripts/lib/node-test.sh privacy scripts/lib/command-case.ts "privacy scan of reports/ and state" -- \
  node -r ts-node/register scripts/privacy-scan.ts reports .oqs-reader || rc=1
echo "== mutants (each breaks one rule; the suite must then fail)"
sh scripts/lib/node-test.sh mutants scripts/mutants.ts || rc=1
node scripts/tally.cjs reports/typecheck.xml reports/build.xml reports/unit.xml reports/cucumber-emulator.xml reports/cucumber-emulator-paced.xml reports/cucumber-pty.xml reports/cucumber-product.xml \
  reports/cucumber-hardware.xml reports/protocol-rules.xml reports/serial-selftest.xml reports/e2e.xml reports/verdicts.xml reports/coverage-check.xml reports/kill-test.xml reports/privacy.xml reports/mutants.xml || rc=1
exit $rc
