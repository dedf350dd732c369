#!/usr/bin/env bash
# A day at the counter on the emulated station, from nothing:
#   1. builds cardd, cardctl and the printer emulator (dev preset),
#   2. brings up a station (scripts/station-up.sh): a private pcscd with
#      vpcd readers, 3 emulated printers (Evolis protocol, YMCKO front + K
#      back, a virtual e-ID chip on every blank, time-scaled) and cardd,
#   3. a supervisor receives a lot of blank cards; an operator loads the feeders,
#   4. a frontend submits a batch of sample citizens (one of them on hold),
#   5. shows the batch printing, per printer, live,
#   6. jams P2 mid-batch: its card is spoiled, the others carry on; the jam is
#      cleared a few seconds later and P2 resumes by itself,
#   7. prints a summary: cards issued, cards spoiled and why, the blank-card
#      ledger, the printed card images, and where to look next.
# Ctrl-C stops everything it started.
#
# Environment: CARDD_DEMO_JOBS (30), CARDD_DEMO_TIME_SCALE (0.1 real seconds
# per printer second: a 26 s dual-sided chip card takes ~3 s), CARDD_DEMO_DIR
# (an empty folder; default a fresh /tmp/cardd-demo.XXXXXX), CARDD_BUILD (build/dev; built here).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
count=${CARDD_DEMO_JOBS:-30}
scale=${CARDD_DEMO_TIME_SCALE:-0.1}
printers=3
feeder=40

scripts/install-deps.sh
export CARDD_BUILD=${CARDD_BUILD:-$root/build/dev}
echo "==> building cardd, cardctl and the printer emulator in $CARDD_BUILD"
if [[ "$CARDD_BUILD" == "$root/build/dev" ]]; then
  cmake --preset dev >/dev/null
fi
cmake --build "$CARDD_BUILD" -j"$(nproc)" --target cardd cardctl cardd-printer-emulator >/dev/null

work=${CARDD_DEMO_DIR:-$(mktemp -d /tmp/cardd-demo.XXXXXX)}
mkdir -p "$work"
# shellcheck source=scripts/station-up.sh
source scripts/station-up.sh
trap 'station_down "$work"' EXIT
trap 'echo; echo "demo interrupted: stopping the station"; exit 130' INT TERM
cardctl() { "$CARDD_BUILD/cardctl/cardctl" --socket "$work/api.sock" "$@"; }

echo "==> bringing the station up in $work"
echo "    a private pcscd, $printers emulated printers (time scale $scale, $feeder blanks each), cardd"
station_up "$work" "$printers" "$scale" "$feeder"
station_cardd_start "$work"
cardctl ping
cardctl printers

echo
echo "==> a supervisor receives a lot of $((printers * feeder)) blanks; an operator loads the feeders"
cardctl stock receive L-2026-11 --supplier "PT Kartu Aman (sample)" --quantity $((printers * feeder)) \
  --serials "BLK000001..$(printf 'BLK%06d' $((printers * feeder)))"
for ((i = 1; i <= printers; ++i)); do
  first=$(((i - 1) * feeder + 1)) last=$((i * feeder))
  # The operator puts the box into the (emulated) feeder, then books it.
  station_emu_control "$work" "$i" \
    "{\"cmd\":\"load_feeder\",\"count\":$feeder,\"prefix\":\"BLK\",\"start\":$first,\"replace\":true}" >/dev/null
  cardctl stock load "P$i" --quantity "$feeder" --lot L-2026-11 \
    --serials "$(printf 'BLK%06d..BLK%06d' "$first" "$last")"
done
cardctl stock

echo
echo "==> a frontend submits $count enrolled citizens while the printers work (the last one on"
echo "    hold: a document to re-check); P2 will jam a third of the way through"
python3 scripts/make-citizens.py "$work/jobs" "$count"
(
  for f in "$work"/jobs/*.json; do
    if [[ "$f" == "$work/jobs/citizen-$(printf '%03d' "$count").json" ]]; then
      sed 's/"hold": false/"hold": true/' "$f" | cardctl submit - | grep -o '[0-9]\+' | head -n 1 >"$work/held-job"
    else
      cardctl submit "$f" >/dev/null
    fi
  done
) &
submitter=$!

# The monitor polls cardctl, draws the progress and runs the fault plan:
# inject a jam on P2 at a third of the batch, clear it 5 s later, release
# the held job once P2 is back, and return when every job has ended.
python3 - "$CARDD_BUILD/cardctl/cardctl" "$work" "$count" <<'PY'
import json, os, subprocess, sys, time

cardctl, work, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
tty = sys.stdout.isatty()
start = time.monotonic()
FINAL = {"completed", "aborted", "canceled"}


def api(*args):
    out = subprocess.run([cardctl, "--socket", f"{work}/api.sock", "--json", *args],
                         capture_output=True, text=True, timeout=20)
    if out.returncode != 0:
        raise RuntimeError(f"cardctl {' '.join(args)}: {out.stderr.strip()}")
    return json.loads(out.stdout)


def emu(i, line):
    subprocess.run(["bash", "-c", 'source scripts/station-up.sh && station_emu_control "$1" "$2" "$3" >/dev/null',
                    "_", work, str(i), line], check=True)


def stamp():
    t = int(time.monotonic() - start)
    return f"{t // 60}:{t % 60:02d}"


def bar(n, total, width):
    full = min(width, round(width * n / total)) if total else 0
    return "#" * full + "." * (width - full)


drawn = 0
def show(events, block):
    """Events scroll; on a terminal the block is redrawn in place under them."""
    global drawn
    if tty:
        if drawn:
            sys.stdout.write(f"\033[{drawn}F\033[J")
        for e in events:
            print(e)
        for b in block:
            print(b)
        drawn = len(block)
    else:
        for e in events:
            print(e)
    sys.stdout.flush()


last_states, last_line, plan = {}, None, "run"
jam_at = max(1, count // 3)
clear_at = jam_by = None
deadline = start + 600
while True:
    printers = api("printers")["printers"]
    jobs = api("jobs", "--all")["jobs"]
    states = {}
    for j in jobs:
        states[j["state"]] = states.get(j["state"], 0) + 1
    issued = sum(p["cards_issued_today"] for p in printers)
    spoiled = sum(p["cards_spoiled_today"] for p in printers)
    ended = sum(v for k, v in states.items() if k in FINAL)
    events = []
    for p in printers:
        key = (p["state"], p["message"])
        if last_states.get(p["id"]) != key:
            if p["id"] in last_states or p["state"] not in ("idle", "busy", "starting"):
                text = f" - {p['message']}" if p["message"] else ""
                events.append(f"  {stamp()} {p['id']} is {p['state']}{text}")
            last_states[p["id"]] = key

    # The fault plan: jam P2 while its card goes to (or sits in) the contact
    # station, so that the card cannot be printed (spoiled) and P2 faults;
    # free it 5 s later.
    p2 = next(p for p in printers if p["id"] == "P2")
    if plan == "run" and issued >= jam_at:
        plan, jam_by = "arm", time.monotonic() + 10
    if plan == "arm" and (p2["current_step"] in ("feed-requested", "at-station") or time.monotonic() > jam_by):
        emu(2, '{"cmd":"inject","fault":"jam"}')
        events.append(f"  {stamp()} ** a card jams in P2 (emulator control: inject jam) **")
        plan, clear_at = "jammed", time.monotonic() + 5
    elif plan == "jammed" and time.monotonic() >= clear_at:
        emu(2, '{"cmd":"clear","fault":"jam"}')
        events.append(f"  {stamp()} ** the operator frees the card and closes P2 (clear jam); nobody touches cardd **")
        plan = "cleared"
    elif plan == "cleared" and p2["state"] in ("idle", "busy"):
        events.append(f"  {stamp()} P2 resumed by itself")
        try:
            held = open(f"{work}/held-job").read().strip()
        except OSError:
            held = ""
        if held:
            subprocess.run([cardctl, "--socket", f"{work}/api.sock", "release", held],
                           capture_output=True, check=True)
            events.append(f"  {stamp()} a supervisor releases held job {held}")
        plan = "done"

    block = [f"  cards [{bar(issued, count, 30)}] {issued:>3}/{count} issued, {spoiled} spoiled, "
             f"{states.get('pending', 0) + states.get('pending-held', 0)} waiting, "
             f"{states.get('processing', 0)} processing   {stamp()}"]
    for p in printers:
        job = f"job {p['current_job']} {p['current_step']}" if p["current_job"] else ""
        block.append(f"  {p['id']:<3} {p['state']:<8} [{bar(p['cards_issued_today'], count, 30)}] "
                     f"{p['cards_issued_today']:>3} issued {p['cards_spoiled_today']:>2} spoiled "
                     f"feeder {p['feeder_cards'] if p['feeder_cards'] is not None else '-':>3}  {job}")
    line = block[0].rsplit("   ", 1)[0] + "  (" + ", ".join(
        f"{p['id']} {p['cards_issued_today']}" for p in printers) + ")"
    if not tty and line != last_line:
        events.append(line)
    last_line = line
    show(events, block)

    if ended == count and plan == "done" and all(p["current_job"] is None for p in printers):
        break
    if time.monotonic() > deadline:
        print("demo: the batch did not finish within 10 minutes; see the summary", file=sys.stderr)
        break
    time.sleep(0.2 if plan == "arm" else 0.5)
PY
wait "$submitter"

echo
echo "==> summary"
python3 - "$CARDD_BUILD/cardctl/cardctl" "$work" <<'PY'
import json, subprocess, sys

cardctl, work = sys.argv[1], sys.argv[2]


def api(*args):
    out = subprocess.run([cardctl, "--socket", f"{work}/api.sock", "--json", *args],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


jobs = api("jobs", "--all")["jobs"]
by_state = {}
for j in jobs:
    by_state.setdefault(j["state"], []).append(j["id"])
issued, spoiled, void = [], [], []
for j in jobs:
    for a in api("job", str(j["id"])).get("attempts", []):
        {"issued": issued, "void": void}.get(a["outcome"], spoiled).append((j["id"], a))
printers = sorted({a["printer"] for _, a in issued + spoiled + void})


def show(what):
    for job, a in what:
        detail = f" ({a['detail']})" if a["detail"] else ""
        print(f"    job {job} attempt {a['attempt']} on {a['printer']} at step {a['step']}: {a['reason']}{detail}")


print(f"  jobs:           {len(jobs)} submitted, " +
      ", ".join(f"{len(v)} {k}" for k, v in sorted(by_state.items())))
print(f"  cards issued:   {len(issued)} (" +
      ", ".join(f"{p} {sum(a['printer'] == p for _, a in issued)}" for p in printers) + ")")
print(f"  cards spoiled:  {len(spoiled)} (in the reject box; their jobs were requeued)")
show(spoiled)
print(f"  void attempts:  {len(void)} (refused before a blank left the feeder; no card used)")
show(void)
PY
echo
echo "  the blank-card ledger (cardctl stock):"
cardctl stock | sed 's/^/    /'
echo
echo "  device health: the fault log (cardctl faults), wear (cardctl health P2), alerts:"
cardctl faults | sed 's/^/    /'
cardctl health P2 | sed 's/^/    /'
cardctl alerts --all | sed 's/^/    /'
echo
pngs=$(find "$work"/cards -name '*-front.png' | wc -l)
cat <<DONE
  printed cards:  $pngs card faces (front and back PNGs) in $work/cards/P1..P$printers
                  (e.g. $(find "$work"/cards -name '*-front.png' | sort | head -n 1))
  logs:           $work/cardd.log, $work/emu-P*.log, $work/cards/P*/events.jsonl
  store:          $work/state/cardd.db (sqlite3 ... 'SELECT * FROM card_attempts')
  look next:      keep a station up by hand and ask it yourself:
                    source scripts/station-up.sh; station_up DIR 3 0.1; station_cardd_start DIR
                    cardctl --socket DIR/api.sock printers | jobs | job ID | stock ledger | events --follow
                    cardctl --socket DIR/api.sock faults | health P1 | supply | alerts | maintenance P1 cleaning
                  docs/operations.md (running a station), docs/emulator.md (the emulated printer),
                  docs/cardctl.md, docs/architecture.md, bench/README.md (cards/hour)

==> stopping the station (cardd drains, then the emulators and pcscd)
DONE
