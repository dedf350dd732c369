#!/usr/bin/env bash
# systemd_units_security: the sandbox of cardd.service.
#
# Usage: security.sh UNIT_DIR [MAX_EXPOSURE]   (MAX_EXPOSURE defaults to 2.0)
#
# 1. `systemd-analyze security --offline=true` must rate cardd.service at
#    MAX_EXPOSURE or less (0 = fully locked down, 10 = unprotected).
# 2. The unit must still give cardd what it needs, so the score cannot be
#    lowered by breaking the daemon: USB printers (/dev/bus/usb, netlink for
#    hotplug), network printers and MQTT (AF_INET/AF_INET6), pcscd and the API
#    (AF_UNIX), peer uids on the API socket (no PrivateUsers), and a socket
#    directory that outlives the service (no RuntimeDirectory).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || exit 1
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$here/lib.sh" || exit 1

[[ $# -ge 1 && $# -le 2 ]] || die "usage: $0 UNIT_DIR [MAX_EXPOSURE]"
unit=$1/cardd.service
max=${2:-2.0}

require_tool systemd-analyze
[[ -f $unit ]] || die "$unit not found"

# --- 1. exposure score -------------------------------------------------------
rc=0
out=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1) || rc=$?
score=$(printf '%s\n' "$out" |
  sed -n 's/.*Overall exposure level for cardd\.service: *\([0-9][0-9]*\.[0-9]*\).*/\1/p' | tail -n 1)
if [[ -z $score ]]; then
  printf '%s\n' "$out" >&2
  die "could not read 'Overall exposure level for cardd.service' from systemd-analyze security (exit $rc)"
fi
# What still counts against the unit, for whoever has to fix it.
# (marked ✗ in UTF-8 locales, '-' in the C locale)
printf '%s\n' "$out" | grep -E '^(✗|-) ' || true
note "exposure level: $score (maximum $max)"
awk -v s="$score" -v m="$max" 'BEGIN { exit !(s + 0 <= m + 0) }' ||
  die "cardd.service exposure level $score is above $max; tighten the sandbox (see the ✗ lines above)"

# --- 2. what the daemon needs -------------------------------------------------
expect() { # KEY VALUE: the effective value of KEY must be exactly VALUE
  local got
  got=$(unit_value "$unit" "$1")
  [[ $got == "$2" ]] || die "cardd.service: expected $1=$2, found '${got:-<unset>}'"
}
forbid() { # KEY REASON: KEY must not be set to yes/true/1 (or at all, for lists)
  local got
  got=$(unit_value "$unit" "$1")
  case $got in
    '' | no | false | 0 | off) ;;
    *) die "cardd.service: $1=$got breaks cardd: $2" ;;
  esac
}

expect Type notify
expect User cardd
expect Group cardd
expect StateDirectory cardd
expect ProtectSystem strict
expect NoNewPrivileges yes
expect CapabilityBoundingSet ''
expect DevicePolicy closed
expect UMask 0077
expect WatchdogSec 30s
expect Restart on-failure
expect SystemCallArchitectures native
expect MemoryDenyWriteExecute yes
# shellcheck disable=SC2016 # a literal $MAINPID
unit_values "$unit" ExecReload | grep -qxF '/bin/kill -HUP $MAINPID' ||
  die "cardd.service: ExecReload=/bin/kill -HUP \$MAINPID is required (cardd reloads on SIGHUP)"
unit_values "$unit" DeviceAllow | grep -qx 'char-usb_device rw' ||
  die "cardd.service: DeviceAllow=char-usb_device rw is required (libusb opens /dev/bus/usb read-write)"
unit_values "$unit" SystemCallFilter | grep -qx '@system-service' ||
  die "cardd.service: SystemCallFilter=@system-service is required"

families=" $(unit_value "$unit" RestrictAddressFamilies) "
for af in AF_UNIX AF_INET AF_INET6 AF_NETLINK; do
  [[ $families == *" $af "* ]] || die "cardd.service: RestrictAddressFamilies= must allow $af (has:$families)"
done
[[ $families != *" ~"* && $families != " ~"* ]] ||
  die "cardd.service: RestrictAddressFamilies= must be an allow list"

forbid PrivateDevices "hides /dev/bus/usb (USB card printers); use DeviceAllow="
forbid PrivateNetwork "network printers and the MQTT broker are reached over TCP"
forbid PrivateUsers "peer uids on the API socket would all read as 'nobody' (roles, audit)"
forbid DynamicUser "the store in /var/lib/cardd and the role groups need the fixed user from sysusers"
forbid RuntimeDirectory "/run/cardd belongs to cardd.socket; the service would delete the listening socket when it stops"

note "PASS: cardd.service exposure $score <= $max and the daemon's needs are kept"
