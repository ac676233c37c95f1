#!/bin/sh
# Browser tests of the web screen (test/e2e/*.e2e.ts): the whole product on a free port with its
# embedded emulated reader, driven by playwright-core in the system's headless Chromium.
# Chromium (and a Japanese font, so the screenshots show the screen's text) come from Debian's
# packages; playwright never downloads a browser of its own.
set -u
cd "$(dirname "$0")/.."
CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
export CHROMIUM_PATH

# apt_install: root or sudo, no stdin, serialised with the other steps that install (ser2net, pyserial).
APT_WHO=test-e2e
. scripts/lib/apt.sh

if [ ! -x "$CHROMIUM_PATH" ]; then
  if [ "$CHROMIUM_PATH" != /usr/bin/chromium ]; then
    echo "test-e2e: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2
    exit 1
  fi
  echo "test-e2e: no Chromium at /usr/bin/chromium"
  apt_install chromium || { echo "test-e2e: FAILED to install chromium (needs root and Debian's package archive)" >&2; exit 1; }
  [ -x "$CHROMIUM_PATH" ] || { echo "test-e2e: chromium was installed but $CHROMIUM_PATH is still missing" >&2; exit 1; }
fi
echo "test-e2e: $("$CHROMIUM_PATH" --version 2>/dev/null || echo "$CHROMIUM_PATH")"

# Without a Japanese font the screen still works, but the screenshots would show boxes.
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=ja 2>/dev/null)" ]; then
  echo "test-e2e: no Japanese font installed"
  apt_install fonts-ipafont-gothic || echo "test-e2e: WARNING: no Japanese font; screenshots will not show Japanese text" >&2
fi

files=$(ls test/e2e/*.e2e.ts 2>/dev/null)
if [ -z "$files" ]; then echo "test-e2e: no test/e2e/*.e2e.ts files found" >&2; exit 1; fi
mkdir -p reports
rm -rf reports/screenshots
# shellcheck disable=SC2086
exec node --test --require ts-node/register --test-timeout=120000 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=junit --test-reporter-destination=reports/e2e.xml $files
