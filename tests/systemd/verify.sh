#!/usr/bin/env bash
# systemd_units_verify: `systemd-analyze verify` on cardd.service and cardd.socket.
#
# Usage: verify.sh UNIT_DIR CARDD_BINARY
#   UNIT_DIR      the source systemd/ directory
#   CARDD_BINARY  a built cardd executable ($<TARGET_FILE:cardd>)
#
# verify refuses a unit whose Exec*= binaries do not exist, and the units name
# the installed path /usr/bin/cardd. So the units are copied to a scratch
# directory with that path (as the command of ExecStart=/ExecReload=...)
# rewritten to CARDD_BINARY; nothing else is changed.
# verify does not resolve User=/Group=/SocketGroup=, so the cardd user need not
# exist on the build machine. Any output from verify (warnings included) fails
# the test: unknown or misspelled directives are only warnings to systemd.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || exit 1
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$here/lib.sh" || exit 1

[[ $# -eq 2 ]] || die "usage: $0 UNIT_DIR CARDD_BINARY"
unit_dir=$1
binary=$2

require_tool systemd-analyze
[[ -f $unit_dir/cardd.service && -f $unit_dir/cardd.socket ]] ||
  die "cardd.service or cardd.socket missing in $unit_dir"
[[ -x $binary ]] || die "cardd binary '$binary' does not exist or is not executable (build target 'cardd' first)"
[[ $binary == /* ]] || binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")

exec_re='^(ExecStart|ExecStartPre|ExecStartPost|ExecReload|ExecStop|ExecStopPost)=[-@:+!]*'

# Every other command the service runs must exist here (verify checks them).
# ExecReload uses /bin/kill, which Debian ships in "procps".
while read -r cmd; do
  [[ $cmd == /usr/bin/cardd ]] && continue
  [[ -x $cmd ]] || die "cardd.service runs '$cmd', which is missing here (on Debian, /bin/kill is in package 'procps')"
done < <(grep -E "$exec_re" "$unit_dir/cardd.service" | sed -E "s/$exec_re//" | awk '{print $1}')

make_tmpdir
cp "$unit_dir/cardd.socket" "$SCRATCH/cardd.socket"
found=0
while IFS= read -r line || [[ -n $line ]]; do
  if [[ $line =~ ($exec_re)/usr/bin/cardd($|[[:space:]].*) ]]; then
    line="${BASH_REMATCH[1]}\"$binary\"${BASH_REMATCH[3]}"
    found=$((found + 1))
  fi
  printf '%s\n' "$line"
done <"$unit_dir/cardd.service" >"$SCRATCH/cardd.service"
grep -qE '^ExecStart=[-@:+!]*"' "$SCRATCH/cardd.service" ||
  die "cardd.service must start the daemon with 'ExecStart=/usr/bin/cardd ...'"
note "rewrote $found command(s) /usr/bin/cardd -> $binary"

note "verifying copies in $SCRATCH"
rc=0
out=$(cd "$SCRATCH" && systemd-analyze verify --man=no ./cardd.service ./cardd.socket 2>&1) || rc=$?
if [[ -n $out ]]; then
  printf '%s\n' "$out" >&2
fi
[[ $rc -eq 0 ]] || die "systemd-analyze verify exited with $rc"
[[ -z $out ]] || die "systemd-analyze verify printed warnings (see above)"
note "PASS: systemd-analyze verify cardd.service cardd.socket"
