#!/usr/bin/env bash
#
# Makes Debian's chromium available for the console's browser tests and prints its path. Playwright's
# own browser download is not used: the tests drive the system browser through playwright-core.
# Installs the package with apt-get when it is missing (as root, or through sudo when that works
# without a password); CHROMIUM_PATH names another executable instead.
set -euo pipefail

find_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ]; then
    echo "${CHROMIUM_PATH}"
    return 0
  fi
  command -v chromium || command -v chromium-browser || return 1
}

if path="$(find_chromium)"; then
  echo "$path"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "chromium is missing and cannot be installed without root: apt-get install chromium" >&2
  exit 1
fi
echo "installing chromium (Debian package) for the browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >&2
"${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium >&2
find_chromium
