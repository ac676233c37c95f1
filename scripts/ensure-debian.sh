#!/bin/sh
# Installs the Debian packages named, those not installed yet, as scripts/test-e2e.sh does for
# Chromium: `sh scripts/ensure-debian.sh ser2net python3-serial`. Exit 0 when all are installed
# afterwards, 1 when one could not be (needs root or sudo, and Debian's package archive).
set -u
cd "$(dirname "$0")/.."
APT_WHO=ensure-debian
. scripts/lib/apt.sh
missing=
for p in "$@"; do deb_installed "$p" || missing="$missing $p"; done
[ -z "$missing" ] && exit 0
# shellcheck disable=SC2086
apt_install $missing || { echo "ensure-debian: FAILED to install$missing" >&2; exit 1; }
for p in $missing; do deb_installed "$p" || { echo "ensure-debian: $p is still not installed" >&2; exit 1; }; done
