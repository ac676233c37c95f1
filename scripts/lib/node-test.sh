#!/bin/sh
# Runs one node:test file (TypeScript or JavaScript) with node's reporters: spec on the console,
# JUnit in reports/NAME.xml for the totals line (scripts/tally.cjs). Arguments after the file go
# to it (it reads process.argv). Usage: node-test.sh NAME FILE [ARGS…]
set -u
name=$1; shift
mkdir -p reports
exec node --require ts-node/register --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=junit --test-reporter-destination="reports/$name.xml" "$@"
