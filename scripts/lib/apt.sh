# Installing Debian packages from a test script (sourced: `. scripts/lib/apt.sh`). CI runs as
# root without stdin; elsewhere sudo is used when there is one. Steps of npm test run side by side
# and two of them may install at once: apt and dpkg are serialised by a lock file, never a wait loop.
# APT_WHO names the caller in messages.

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else return 1; fi
}

apt_install() {
  who=${APT_WHO:-apt}
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$who: cannot install $*: no apt-get on this machine; install it by hand" >&2
    return 1
  fi
  echo "$who: installing $* from Debian's packages: apt-get update -qq && apt-get install -y -qq $*"
  set -- sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"' apt "$@"
  if command -v flock >/dev/null 2>&1; then set -- flock "${TMPDIR:-/tmp}/oqs-apt.lock" "$@"; fi
  as_root "$@"
}

# Whether dpkg has PACKAGE installed.
deb_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}
