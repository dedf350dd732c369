#!/usr/bin/env bash
# systemd_sysusers_tmpfiles: cardd.sysusers and cardd.tmpfiles applied to an
# empty scratch root, and their agreement with the units (and the config).
#
# Usage: sysusers_tmpfiles.sh UNIT_DIR [CARDD_YAML]
#   CARDD_YAML  if given, every group named under access: must be created by
#               cardd.sysusers.
# The tmpfiles half needs root (it chowns /var/lib/cardd to the cardd user):
# run as another user, the sysusers half runs and the test then exits 77,
# which CTest reports as skipped (SKIP_RETURN_CODE).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || exit 1
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$here/lib.sh" || exit 1

[[ $# -ge 1 && $# -le 2 ]] || die "usage: $0 UNIT_DIR [CARDD_YAML]"
unit_dir=$1
config=${2:-}
sysusers=$unit_dir/cardd.sysusers
tmpfiles=$unit_dir/cardd.tmpfiles

require_tool systemd-analyze
require_tool systemd-sysusers
require_tool systemd-tmpfiles
[[ -f $sysusers && -f $tmpfiles ]] || die "cardd.sysusers or cardd.tmpfiles missing in $unit_dir"

make_tmpdir
root=$SCRATCH/root
mkdir -p "$root/etc"

# --- sysusers ---------------------------------------------------------------
rc=0
out=$(systemd-sysusers --root="$root" "$sysusers" 2>&1) || rc=$?
printf '%s\n' "$out"
[[ $rc -eq 0 ]] || die "systemd-sysusers --root exited with $rc"
# Anything but "Creating ..." is a warning about the file (bad syntax, bad name).
if printf '%s\n' "$out" | grep -v -e '^Creating ' -e '^$' >&2; then
  die "systemd-sysusers printed warnings (see above)"
fi

passwd_field() { awk -F: -v n="$1" -v f="$2" '$1 == n { print $f }' "$root/etc/passwd"; }
group_exists() { awk -F: -v n="$1" '$1 == n { found = 1 } END { exit !found }' "$root/etc/group"; }

uid=$(passwd_field cardd 3)
[[ -n $uid ]] || die "cardd.sysusers did not create user cardd"
gid=$(passwd_field cardd 4)
[[ $uid -gt 0 && $uid -lt 1000 ]] || die "user cardd got uid $uid, not a system uid"
[[ $(passwd_field cardd 6) == /var/lib/cardd ]] || die "user cardd home is '$(passwd_field cardd 6)', expected /var/lib/cardd"
case $(passwd_field cardd 7) in
  */nologin | */false) ;;
  *) die "user cardd has login shell '$(passwd_field cardd 7)'" ;;
esac
[[ $(awk -F: '$1 == "cardd" { print $3 }' "$root/etc/group") == "$gid" ]] ||
  die "user cardd's primary group is not group cardd"
for g in cardd cardd-operator cardd-supervisor cardd-technician cardd-admin; do
  group_exists "$g" || die "cardd.sysusers did not create group $g"
done

# The units must only name users and groups that sysusers creates.
for pair in "cardd.service User" "cardd.service Group" "cardd.socket SocketGroup"; do
  read -r file key <<<"$pair"
  v=$(unit_value "$unit_dir/$file" "$key")
  [[ -z $v || $v == root ]] && continue
  group_exists "$v" || passwd_field "$v" 1 | grep -q . ||
    die "$file: $key=$v is not created by cardd.sysusers"
done

# The role groups in the configuration must exist too.
if [[ -n $config ]]; then
  [[ -f $config ]] || die "$config not found"
  groups=$(sed -n '/^access:/,/^[^[:space:]#]/p' "$config" |
    grep -o 'groups: *\[[^]]*\]' | sed 's/.*\[//; s/\]//; s/[",'"'"']/ /g' || true)
  [[ -n ${groups// /} ]] || note "warning: no 'groups: [...]' found under access: in $config"
  for g in $groups; do
    group_exists "$g" || die "$config names group '$g' under access:, which cardd.sysusers does not create"
  done
fi

# --- tmpfiles ---------------------------------------------------------------
if [[ $(id -u) -ne 0 ]]; then
  note "sysusers checks passed; SKIP tmpfiles checks: they must run as root (chown to the cardd user)"
  exit 77
fi
for pass in 1 2; do # the second pass checks that re-applying is harmless
  rc=0
  out=$(systemd-tmpfiles --root="$root" --create "$tmpfiles" 2>&1) || rc=$?
  [[ -z $out ]] || printf '%s\n' "$out" >&2
  [[ $rc -eq 0 ]] || die "systemd-tmpfiles --create (pass $pass) exited with $rc"
  [[ -z $out ]] || die "systemd-tmpfiles printed warnings (pass $pass, see above)"
done

check_dir() { # PATH MODE UID GID
  [[ -d $root$1 ]] || die "systemd-tmpfiles did not create $1"
  local got
  got=$(stat -c '%a %u %g' "$root$1")
  [[ $got == "$2 $3 $4" ]] || die "$1 is '$got' (mode uid gid), expected '$2 $3 $4'"
}

state_mode=$(unit_value "$unit_dir/cardd.service" StateDirectoryMode)
dir_mode=$(unit_value "$unit_dir/cardd.socket" DirectoryMode)
check_dir /var/lib/cardd "${state_mode#0}" "$uid" "$gid"
check_dir /run/cardd "${dir_mode#0}" 0 0

# The socket must live in the directory tmpfiles prepares.
[[ $(unit_value "$unit_dir/cardd.socket" ListenStream) == /run/cardd/* ]] ||
  die "cardd.socket must listen under /run/cardd"

note "PASS: sysusers (uid $uid) and tmpfiles applied cleanly in a scratch root"
