# Shared helpers for the unit-file tests (sourced, not run).
# shellcheck shell=bash

set -euo pipefail

die() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

note() {
  printf '%s\n' "$*"
}

# require_tool NAME: fail loudly when a systemd tool is missing. These tests
# must never pass by skipping: CI installs the Debian "systemd" package.
require_tool() {
  command -v "$1" >/dev/null 2>&1 ||
    die "'$1' not found in PATH; install the Debian package 'systemd' (apt-get install systemd)"
}

# make_tmpdir: a scratch directory removed when the script exits.
make_tmpdir() {
  SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/cardd-unit-test.XXXXXX")
  trap 'rm -rf "$SCRATCH"' EXIT
}

# unit_values FILE KEY: every value assigned to KEY in FILE, one per line, in
# order (comments and continuation lines are not used in our units).
unit_values() {
  sed -n "s/^[[:space:]]*$2=//p" "$1"
}

# unit_value FILE KEY: the effective (last) value of KEY in FILE; empty if unset.
unit_value() {
  unit_values "$1" "$2" | tail -n 1
}
