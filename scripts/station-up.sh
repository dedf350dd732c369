# shellcheck shell=bash
# station-up.sh: bring an emulated issuance station up and down. A bash
# library, sourced by the demo, the crash script and the bench:
#
#   source scripts/station-up.sh
#   station_up "$dir" 3 0.01 200        # PKI, keys, private pcscd, 3 emulators, cardd.yaml
#   trap 'station_down "$dir"' EXIT
#   station_cardd_start "$dir"          # cardd --config $dir/cardd.yaml --log-stderr
#   station_emu_control "$dir" 2 '{"cmd":"inject","fault":"jam"}'
#   station_cardd_kill "$dir" KILL      # crash it; station_cardd_start again to recover
#   station_down "$dir"                 # stops everything it started; idempotent
#
# station_up DIR NPRINTERS [TIME_SCALE (0.01)] [FEEDER (100)] creates in DIR:
#   pki/       csca.key csca.pem (self-signed CSCA), ds.key ds.pem (document
#              signer, EC P-256, issued by the CSCA); keys mode 0600
#   keys/master.hex   16 random bytes as hex (the SCP03 station master), 0600
#   pcsc-conf/vpcd    one reader.conf entry per 2 printers, each loading its own
#              copy drivers/vpcd-<k>.so of the vpcd driver (a copy is another
#              inode, so its slot table is its own; the same .so twice would
#              share slots); readers "Station Reader 00 00", "... 00 01",
#              "Station Reader 2 00 00", ... (as tests/pcsc PrivatePcscd names them)
#   pcscd.comm pcscd.log      the private pcscd (systemd-socket-activate);
#              PCSCLITE_CSOCK_NAME is exported to point at it
#   cards/P<i>/               emulator i's PNGs and events.jsonl
#   emu-P<i>.out emu-P<i>.log emulator i's ready line and its stderr (emulator i:
#              blank serials P<i>-000001..., printer serial EMU0000<i>)
#   cardd.yaml                a cardd config: printers P1..PN (tcp uri, reader),
#              issuance (profile cardd-eid = applets/profiles/eid.yaml, the
#              PKI, the master key), jobs as config/demo.yaml, api socket
#              DIR/api.sock, state_dir DIR/state
#   station.env               shell assignments (source it): STATION_DIR,
#              STATION_PRINTERS, PCSCLITE_CSOCK_NAME, PCSCD_PID, and per printer
#              i: EMU_PID_i EMU_PORT_i EMU_CONTROL_PORT_i VPCD_PORT_i READER_i;
#              CARDD_PID once cardd runs
# Binaries come from $CARDD_BUILD (default <repo>/build/dev):
# drivers/emulator/cardd-printer-emulator and daemon/cardd.
#
# Every function returns non-zero with a sentence on stderr when something
# does not come up (station_up leaves what it started for station_down).
# Needs: pcscd, vsmartcard-vpcd, systemd (systemd-socket-activate), openssl,
# python3 (ports, reader listing, the API ping).

_STATION_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_STATION_VPCD=/usr/lib/pcsc/drivers/serial/libifdvpcd.so

_station_fail() {
  echo "station: $*" >&2
  return 1
}

_station_build() { echo "${CARDD_BUILD:-$_STATION_REPO/build/dev}"; }

# Sets (or replaces) NAME=VALUE in DIR/station.env.
_station_env_set() {
  local dir=$1 name=$2 value=$3 env="$1/station.env"
  touch "$env"
  grep -v "^$name=" "$env" >"$env.tmp" || true
  printf '%s=%q\n' "$name" "$value" >>"$env.tmp"
  mv "$env.tmp" "$env"
}

# Prints the value of NAME from DIR/station.env (empty when unset).
_station_env_get() {
  local dir=$1 name=$2
  [[ -f "$dir/station.env" ]] || return 0
  (
    # shellcheck disable=SC1091
    source "$dir/station.env"
    printf '%s' "${!name:-}"
  )
}

# Prints an even port P with P and P+1 free (no TCP socket of any state on
# them, per ss), below the ephemeral range (no outgoing connection can take
# it later) and not in "$@" (ports already taken).
_station_free_pair() {
  local low used base span p
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
  if ((low >= 22000)); then
    base=20000 span=$(((low - 2 - 20000) / 2))
  else
    base=40000 span=4000
  fi
  used=" $* $(ss -Htan 2>/dev/null | awk '{n = split($4, a, ":"); print a[n]}' | sort -u | tr '\n' ' ') "
  for _ in $(seq 1 400); do
    p=$((base + 2 * ((RANDOM * 32768 + RANDOM) % (span + 1))))
    [[ "$used" == *" $p "* || "$used" == *" $((p + 1)) "* ]] && continue
    echo "$p"
    return 0
  done
  return 1
}

# Waits (up to 10 s) until pcscd lists every reader named in "$@", through
# libpcsclite (honours PCSCLITE_CSOCK_NAME; the first client connection
# starts a socket-activated pcscd).
_station_wait_readers() {
  python3 - "$@" <<'PY'
import ctypes, sys, time
lib = ctypes.CDLL("libpcsclite.so.1")
want = set(sys.argv[1:])
def listed():
    ctx = ctypes.c_long(0)
    if lib.SCardEstablishContext(ctypes.c_ulong(2), None, None, ctypes.byref(ctx)) != 0:
        return set()
    size = ctypes.c_ulong(0)
    names = set()
    if lib.SCardListReaders(ctx, None, None, ctypes.byref(size)) == 0 and size.value > 0:
        buf = ctypes.create_string_buffer(size.value)
        if lib.SCardListReaders(ctx, None, buf, ctypes.byref(size)) == 0:
            names = {n.decode() for n in buf.raw[: size.value].split(b"\0") if n}
    lib.SCardReleaseContext(ctx)
    return names
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    if want <= listed():
        sys.exit(0)
    time.sleep(0.1)
sys.exit(1)
PY
}

# Sends SIGNAL to PID and waits up to SECONDS for it to end (reaping it when
# it is this shell's child). Prints nothing; returns 1 when it is still alive.
_station_stop_pid() {
  local pid=$1 signal=$2 seconds=$3 state
  [[ -n "$pid" ]] || return 0
  kill -"$signal" "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 $((seconds * 20))); do
    state=$(ps -o stat= -p "$pid" 2>/dev/null) || state=""
    if [[ -z "$state" || "$state" == Z* ]]; then
      wait "$pid" 2>/dev/null || true
      return 0
    fi
    sleep 0.05
  done
  return 1
}

# Stops PID: SIGTERM, then SIGKILL after SECONDS.
_station_terminate() {
  local pid=$1 seconds=${2:-5}
  _station_stop_pid "$pid" TERM "$seconds" || _station_stop_pid "$pid" KILL 5 || true
}

_station_reader_name() {
  local index=$1 pair=$(($1 / 2)) name="Station Reader"
  ((pair > 0)) && name="$name $((pair + 1))"
  printf '%s 00 %02d' "$name" $((index % 2))
}

_station_make_pki() {
  local pki=$1
  (
    set -e
    umask 077
    cd "$pki"
    printf 'keyUsage=critical,digitalSignature\n' >ds.ext
    openssl ecparam -name prime256v1 -genkey -noout -out csca.key
    openssl req -new -x509 -days 365 -key csca.key -subj '/C=ID/CN=Emulated Station CSCA' \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
      -out csca.pem
    openssl ecparam -name prime256v1 -genkey -noout -out ds.key
    openssl req -new -key ds.key -subj '/C=ID/CN=Emulated Station Document Signer' -out ds.csr
    openssl x509 -req -days 365 -in ds.csr -CA csca.pem -CAkey csca.key -set_serial 2 \
      -extfile ds.ext -out ds.pem
    chmod 600 csca.key ds.key
    chmod 644 csca.pem ds.pem
  ) >"$pki/openssl.log" 2>&1 || _station_fail "cannot create the PKI in $pki (see $pki/openssl.log)"
}

# Starts the private pcscd with NPAIRS vpcd entries on fresh ports (3
# attempts: a port taken between the check and pcscd's bind keeps that
# entry's readers from listing). Sets _station_channels.
_station_start_pcscd() {
  local dir=$1 pairs=$2 readers=() k channel pid
  for ((k = 0; k < pairs * 2; ++k)); do readers+=("$(_station_reader_name "$k")"); done
  mkdir -p "$dir/pcsc-conf" "$dir/drivers"
  for ((k = 0; k < pairs; ++k)); do
    cp "$_STATION_VPCD" "$dir/drivers/vpcd-$k.so" || return 1
  done
  for _ in 1 2 3; do
    _station_channels=()
    : >"$dir/pcsc-conf/vpcd"
    for ((k = 0; k < pairs; ++k)); do
      channel=$(_station_free_pair "${_station_channels[@]}") ||
        { _station_fail "no free port pair for vpcd"; return 1; }
      _station_channels+=("$channel")
      local name="Station Reader"
      ((k > 0)) && name="$name $((k + 1))"
      printf 'FRIENDLYNAME "%s"\nDEVICENAME /dev/null:0x%04X\nLIBPATH %s\nCHANNELID 0x%04X\n\n' \
        "$name" "$channel" "$dir/drivers/vpcd-$k.so" "$channel" >>"$dir/pcsc-conf/vpcd"
    done
    rm -f "$dir/pcscd.comm"
    systemd-socket-activate -l "$dir/pcscd.comm" /usr/sbin/pcscd -f -c "$dir/pcsc-conf" \
      >>"$dir/pcscd.log" 2>&1 </dev/null &
    pid=$!
    _station_env_set "$dir" PCSCD_PID "$pid"
    for _ in $(seq 1 100); do
      [[ -S "$dir/pcscd.comm" ]] && break
      sleep 0.05
    done
    if _station_wait_readers "${readers[@]}"; then return 0; fi
    _station_terminate "$pid" 3
    _station_env_set "$dir" PCSCD_PID ""
  done
  _station_fail "pcscd did not list its vpcd readers (see $dir/pcscd.log)"
}

# Starts emulator I (1-based) and records its ports.
_station_start_emulator() {
  local dir=$1 i=$2 time_scale=$3 feeder=$4 vpcd_port=$5 emu line port control pid
  emu="$(_station_build)/drivers/emulator/cardd-printer-emulator"
  mkdir -p "$dir/cards/P$i"
  "$emu" --port 0 --control-port 0 --vpcd "127.0.0.1:$vpcd_port" \
    --chip-master-key "$dir/keys/master.hex" --time-scale "$time_scale" \
    --output-dir "$dir/cards/P$i" --feeder "$feeder" --serial-prefix "P$i-" --seed "$i" --ribbon ymckok \
    --serial "$(printf 'EMU%05d' "$i")" \
    >"$dir/emu-P$i.out" 2>"$dir/emu-P$i.log" </dev/null &
  pid=$!
  _station_env_set "$dir" "EMU_PID_$i" "$pid"
  for _ in $(seq 1 200); do
    line=$(head -n 1 "$dir/emu-P$i.out" 2>/dev/null)
    [[ "$line" == *'"event":"ready"'* ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if [[ "$line" != *'"event":"ready"'* ]]; then
    _station_fail "emulator P$i did not start: $(tail -n 5 "$dir/emu-P$i.log")"
    return 1
  fi
  port=$(grep -o '"port":[0-9]*' <<<"$line" | cut -d: -f2)
  control=$(grep -o '"control_port":[0-9]*' <<<"$line" | cut -d: -f2)
  _station_env_set "$dir" "EMU_PORT_$i" "$port"
  _station_env_set "$dir" "EMU_CONTROL_PORT_$i" "$control"
  _station_env_set "$dir" "VPCD_PORT_$i" "$vpcd_port"
  _station_env_set "$dir" "READER_$i" "$(_station_reader_name $((i - 1)))"
}

_station_write_config() {
  local dir=$1 n=$2 i
  {
    echo "# Written by scripts/station-up.sh: an emulated station of $n printers."
    echo "station:"
    echo "  name: \"Emulated station ($n printers)\""
    echo "state_dir: \"$dir/state\""
    echo "log_level: info"
    echo "api:"
    echo "  socket: \"$dir/api.sock\""
    echo "  socket_mode: \"0600\""
    echo "access:"
    echo "  operator:   { groups: [cardd-operator] }"
    echo "  supervisor: { groups: [cardd-supervisor] }"
    echo "  technician: { groups: [cardd-technician] }"
    echo "  admin:      { groups: [cardd-admin] }"
    echo "jobs:"
    echo "  person_schema: \"$_STATION_REPO/config/schemas/ektp.yaml\""
    echo "  templates_dir: \"$_STATION_REPO/config/templates\""
    echo "  templates: [ektp-specimen]"
    echo "  profiles: [cardd-eid]"
    echo "issuance:"
    echo "  profiles:"
    echo "    cardd-eid: \"$_STATION_REPO/applets/profiles/eid.yaml\""
    echo "  signers:"
    echo "    document-signer: { certificate: \"$dir/pki/ds.pem\", key: \"$dir/pki/ds.key\" }"
    echo "  key_sets:"
    echo "    station-master: { file: \"$dir/keys/master.hex\" }"
    echo "  csca: \"$dir/pki/csca.pem\""
    echo "printers:"
    for ((i = 1; i <= n; ++i)); do
      echo "  - id: P$i"
      echo "    uri: tcp://127.0.0.1:$(_station_env_get "$dir" "EMU_PORT_$i")"
      echo "    family: evolis"
      echo "    reader: \"$(_station_reader_name $((i - 1)))\""
      echo "    ribbon: ymckok"
    done
  } >"$dir/cardd.yaml"
}

# station_up DIR NPRINTERS [TIME_SCALE] [FEEDER]
station_up() {
  local dir=${1:?usage: station_up DIR NPRINTERS [TIME_SCALE] [FEEDER]} n=${2:?usage: station_up DIR NPRINTERS [TIME_SCALE] [FEEDER]}
  local time_scale=${3:-0.01} feeder=${4:-100} i emu
  if ! [[ "$n" =~ ^[0-9]+$ ]] || ((n < 1 || n > 16)); then
    _station_fail "NPRINTERS must be 1..16, not '$n'"
    return 1
  fi
  emu="$(_station_build)/drivers/emulator/cardd-printer-emulator"
  [[ -x "$emu" ]] || { _station_fail "no emulator at $emu (build target cardd-printer-emulator, or set CARDD_BUILD)"; return 1; }
  for i in /usr/sbin/pcscd "$_STATION_VPCD"; do
    [[ -e "$i" ]] || { _station_fail "needs $i (Debian packages pcscd, vsmartcard-vpcd)"; return 1; }
  done
  command -v systemd-socket-activate >/dev/null || { _station_fail "needs systemd-socket-activate (package systemd)"; return 1; }
  mkdir -p "$dir" || return 1
  dir=$(cd "$dir" && pwd)
  [[ -n "$(_station_env_get "$dir" PCSCD_PID)" ]] &&
    { _station_fail "$dir already has a station up (station_down it first)"; return 1; }
  mkdir -p "$dir/pki" "$dir/keys" "$dir/cards" "$dir/state"
  chmod 700 "$dir/pki" "$dir/keys"
  : >"$dir/station.env"
  _station_env_set "$dir" STATION_DIR "$dir"
  _station_env_set "$dir" STATION_PRINTERS "$n"

  _station_make_pki "$dir/pki" || return 1
  (umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$dir/keys/master.hex" && echo >>"$dir/keys/master.hex") ||
    { _station_fail "cannot write $dir/keys/master.hex"; return 1; }
  chmod 600 "$dir/keys/master.hex"

  export PCSCLITE_CSOCK_NAME="$dir/pcscd.comm"
  _station_env_set "$dir" PCSCLITE_CSOCK_NAME "$PCSCLITE_CSOCK_NAME"
  _station_start_pcscd "$dir" $(((n + 1) / 2)) || return 1

  for ((i = 1; i <= n; ++i)); do
    local channel=${_station_channels[$(((i - 1) / 2))]}
    _station_start_emulator "$dir" "$i" "$time_scale" "$feeder" $((channel + (i - 1) % 2)) || return 1
  done
  local readers=()
  for ((i = 0; i < n; ++i)); do readers+=("$(_station_reader_name "$i")"); done
  _station_wait_readers "${readers[@]}" ||
    { _station_fail "pcscd lost its readers (see $dir/pcscd.log)"; return 1; }
  _station_write_config "$dir" "$n"
}

# station_cardd_start DIR: starts cardd on DIR/cardd.yaml (stderr appended to
# DIR/cardd.log) and waits up to 20 s until the API answers GET /v1/_ping.
station_cardd_start() {
  local dir=${1:?usage: station_cardd_start DIR} cardd pid
  dir=$(cd "$dir" && pwd) || return 1
  cardd="$(_station_build)/daemon/cardd"
  [[ -x "$cardd" ]] || { _station_fail "no cardd at $cardd (build target cardd, or set CARDD_BUILD)"; return 1; }
  pid=$(_station_env_get "$dir" CARDD_PID)
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    _station_fail "cardd already runs (pid $pid)"
    return 1
  fi
  PCSCLITE_CSOCK_NAME="$(_station_env_get "$dir" PCSCLITE_CSOCK_NAME)" \
    "$cardd" --config "$dir/cardd.yaml" --log-stderr 2>>"$dir/cardd.log" >/dev/null </dev/null &
  pid=$!
  _station_env_set "$dir" CARDD_PID "$pid"
  # One poller (python3) until the API answers, cardd exits, or 20 s pass.
  local rc=0
  python3 - "$dir/api.sock" "$pid" <<'PY' || rc=$?
import os, socket, sys, time
path, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
        if open(f"/proc/{pid}/stat").read().split(")")[-1].split()[0] == "Z":
            sys.exit(3)
    except OSError:
        sys.exit(3)
    try:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(1)
        s.connect(path)
        s.sendall(b"GET /v1/_ping HTTP/1.1\r\nHost: cardd\r\nConnection: close\r\n\r\n")
        if s.recv(64).startswith(b"HTTP/1.1 200"):
            sys.exit(0)
    except OSError:
        pass
    finally:
        s.close()
    time.sleep(0.1)
sys.exit(1)
PY
  if ((rc == 0)); then return 0; fi
  if ((rc == 3)); then
    rc=0
    wait "$pid" 2>/dev/null || rc=$?
    _station_env_set "$dir" CARDD_PID ""
    _station_fail "cardd exited at start-up (status $rc): $(tail -n 20 "$dir/cardd.log")"
    return 1
  fi
  _station_fail "cardd did not answer on $dir/api.sock within 20 s (see $dir/cardd.log)"
}

# station_cardd_kill DIR [SIGNAL (KILL)]: sends SIGNAL to cardd and waits
# (up to 60 s) for it to end; prints its exit status (when it was this
# shell's child) as "exit N".
station_cardd_kill() {
  local dir=${1:?usage: station_cardd_kill DIR [SIGNAL]} signal=${2:-KILL} pid state rc
  pid=$(_station_env_get "$dir" CARDD_PID)
  [[ -n "$pid" ]] || return 0
  kill -"$signal" "$pid" 2>/dev/null || { _station_env_set "$dir" CARDD_PID ""; return 0; }
  for _ in $(seq 1 1200); do
    state=$(ps -o stat= -p "$pid" 2>/dev/null) || state=""
    [[ -z "$state" || "$state" == Z* ]] && break
    sleep 0.05
  done
  if [[ -n "$state" && "$state" != Z* ]]; then
    _station_fail "cardd (pid $pid) still runs 60 s after SIG$signal"
    return 1
  fi
  rc=0
  wait "$pid" 2>/dev/null || rc=$?
  echo "exit $rc"
  _station_env_set "$dir" CARDD_PID ""
}

# station_down DIR: stops cardd, the emulators and pcscd (SIGTERM, then
# SIGKILL). Idempotent, never fails: use it from traps.
station_down() {
  local dir=${1:?usage: station_down DIR} n i pid
  [[ -f "$dir/station.env" ]] || return 0
  _station_terminate "$(_station_env_get "$dir" CARDD_PID)" 20
  _station_env_set "$dir" CARDD_PID ""
  n=$(_station_env_get "$dir" STATION_PRINTERS)
  for ((i = 1; i <= ${n:-0}; ++i)); do
    pid=$(_station_env_get "$dir" "EMU_PID_$i")
    [[ -z "$pid" ]] || kill -TERM "$pid" 2>/dev/null || true
  done
  for ((i = 1; i <= ${n:-0}; ++i)); do
    _station_terminate "$(_station_env_get "$dir" "EMU_PID_$i")" 5
    _station_env_set "$dir" "EMU_PID_$i" ""
  done
  _station_terminate "$(_station_env_get "$dir" PCSCD_PID)" 5
  _station_env_set "$dir" PCSCD_PID ""
  rm -f "$dir/pcscd.comm"
  return 0
}

# station_emu_control DIR I JSON: sends one control line to emulator I
# (1-based) and prints its reply line.
station_emu_control() {
  local dir=${1:?usage: station_emu_control DIR I JSON} i=${2:?} json=${3:?} port fd reply
  port=$(_station_env_get "$dir" "EMU_CONTROL_PORT_$i")
  [[ -n "$port" ]] || { _station_fail "no emulator P$i in $dir"; return 1; }
  exec {fd}<>"/dev/tcp/127.0.0.1/$port" || { _station_fail "emulator P$i does not answer on port $port"; return 1; }
  printf '%s\n' "$json" >&"$fd"
  if ! IFS= read -r -t 10 reply <&"$fd"; then
    exec {fd}>&-
    _station_fail "emulator P$i did not reply within 10 s"
    return 1
  fi
  exec {fd}>&-
  printf '%s\n' "$reply"
}
