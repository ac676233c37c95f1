#!/bin/sh
# Everything `npm test` runs: the steps, their order and what may run side by side are in
# scripts/test-all.cjs. Every step runs even after one fails; the exit code is non-zero if any
# failed; the last line is the totals over all runners.
set -u
cd "$(dirname "$0")/.."
exec node scripts/test-all.cjs "$@"
