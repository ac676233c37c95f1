#!/bin/sh
# Runs a command as one JUnit test case, so checks that are not test runners (tsc, coverage
# thresholds) count in the totals line. Usage: junit-case.sh SUITE CASE OUT.xml -- command...
set -u
suite=$1; name=$2; xml=$3; shift 4
mkdir -p "$(dirname "$xml")"
if out=$("$@" 2>&1); then
  printf '%s\n' "$out"
  printf '<?xml version="1.0"?>\n<testsuites><testsuite name="%s" tests="1"><testcase name="%s"/></testsuite></testsuites>\n' "$suite" "$name" > "$xml"
  exit 0
fi
printf '%s\n' "$out"
esc=$(printf '%s' "$out" | tail -n 40 | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g')
printf '<?xml version="1.0"?>\n<testsuites><testsuite name="%s" tests="1"><testcase name="%s"><failure message="%s failed">%s</failure></testcase></testsuite></testsuites>\n' "$suite" "$name" "$name" "$esc" > "$xml"
exit 1
