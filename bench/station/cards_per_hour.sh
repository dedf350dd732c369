#!/usr/bin/env bash
# Station throughput: cards/hour with 1, 4 and 8 emulated printers, as a
# percentage of the printers' combined nameplate rate (target: >= 97 %, the
# printers must be the only limit). See bench/README.md, "Station: cards/hour".
#
#   bench/station/cards_per_hour.sh [--no-build] [--cards K] [--runs "N:SCALE ..."]
#                                   [--keep] [--out FILE]
#
# Builds cardd, cardctl and cardd-printer-emulator with the release preset in
# $CARDD_BUILD (default <repo>/build/release), then for each run N:SCALE
# (default "1:0.05 1:0.25 1:1 4:0.25 8:0.25"): brings up a station of N
# emulated printers at time scale SCALE (scripts/station-up.sh), pauses the
# printers, submits N*K jobs (K = --cards, default 6), resumes them, waits
# until every job has ended, stops the station and reads each emulator's
# events.jsonl.
#
# Nameplate. The emulator's timing is the printer's nameplate
# (drivers/emulator/printer_model.hpp ModelConfig; docs/emulator.md). One
# dual-sided chip card on a YMCKO-K ribbon (front YMCKO, back K, one ribbon
# print), as cardd's station worker drives it, costs in printer time:
#   Sis    feed_ms 1500 (feeder -> print position) + move_ms 800 (-> contact station)
#   ...    the host personalises the chip (no printer time)
#   Ss..Se move_ms 800 (contact -> print position) + 2 x print_side_ms 11000
#          (front, back) + eject_ms 1000
#   = 26,100 ms per card  ->  3600 / 26.1 = 137.9 cards/h per printer.
# The head heat model adds cooling pauses once the head passes 60 C (with
# 6 panels a card at 1.2 C each, from about the 7th back-to-back card); they
# are the printer's own time, so the "printer busy" column counts them, and
# the script prints them. With the default K = 6 cards per printer no run
# reaches them.
#
# Measure. Per printer, from its first card's eject to its last card's eject
# (the first card is warm-up: feed latency, first chip detection), in
# printer (virtual) time read from events.jsonl; the figures are therefore
# already scaled back to printer time. cards/h = (ejects - 1) / span; the
# combined rate is the sum over printers. "% nameplate" = combined /
# (N x 137.9). "printer busy" = (mechanical cycle + cooling pauses of the
# measured cards) / span: 100 % means the host never kept a printer waiting.
# Where the rest goes, per card, in REAL milliseconds (virtual x scale):
#   host gap   = previous card's eject -> this card's feed starts (Sis sent):
#                cardd commits the issued card and the next feed step, then asks
#   at contact = card arrived at the contact station -> the print sequence's
#                closing Se: Rlr;p polling, the chip showing up in pcscd,
#                personalisation, the panel download
# Prints a table and writes bench/results/station-cards-per-hour-<date>.json.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs="1:0.05 1:0.25 1:1 4:0.25 8:0.25"
cards=6
build=1
keep=0
out="$root/bench/results/station-cards-per-hour-$(date +%Y%m%d-%H%M%S).json"
while [[ $# -gt 0 ]]; do
  case $1 in
    --no-build) build=0; shift ;;
    --cards) cards=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,45p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
export CARDD_BUILD=${CARDD_BUILD:-$root/build/release}

if ((build)); then
  if [[ ! -f "$CARDD_BUILD/CMakeCache.txt" ]]; then
    (cd "$root" && cmake --preset release -B "$CARDD_BUILD" >/dev/null)
  fi
  echo "building cardd, cardctl, cardd-printer-emulator (release) in $CARDD_BUILD"
  cmake --build "$CARDD_BUILD" -j"$(nproc)" --target cardd cardctl cardd-printer-emulator >/dev/null
fi
if ! grep -q 'CMAKE_BUILD_TYPE:STRING=Release' "$CARDD_BUILD/CMakeCache.txt" 2>/dev/null; then
  echo "warning: $CARDD_BUILD is not a Release build; the figures are not the release ones" >&2
fi

# shellcheck source=../../scripts/station-up.sh
source "$root/scripts/station-up.sh"
cardctl_bin="$CARDD_BUILD/cardctl/cardctl"
dirs=()
current=""
cleanup() {
  [[ -n "$current" ]] && station_down "$current"
  ((keep)) || for d in "${dirs[@]}"; do rm -rf "$d"; done
  return 0
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

jobs_dir=$(mktemp -d /tmp/cardd-bench-cph-jobs.XXXXXX)
dirs+=("$jobs_dir")
python3 "$root/scripts/make-citizens.py" "$jobs_dir" $((8 * cards + 8)) 7 >/dev/null

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average before: $load_before ($(nproc) CPUs); $cards cards per printer per run"
results=()
for run in $runs; do
  n=${run%%:*} scale=${run#*:}
  dir=$(mktemp -d /tmp/cardd-bench-cph.XXXXXX)
  dirs+=("$dir")
  current=$dir
  echo "-- $n printer(s) at time scale $scale ($dir)"
  station_up "$dir" "$n" "$scale" $((cards + 6))
  station_cardd_start "$dir"
  cc() { "$cardctl_bin" --socket "$dir/api.sock" "$@"; }
  cc stock receive L-BENCH --supplier bench --quantity $((n * (cards + 6))) >/dev/null
  for ((i = 1; i <= n; ++i)); do
    cc stock load "P$i" --quantity $((cards + 6)) --lot L-BENCH >/dev/null
    cc pause "P$i" --reason "bench: queueing" >/dev/null
  done
  for ((j = 1; j <= n * cards; ++j)); do
    cc submit "$jobs_dir/citizen-$(printf '%03d' "$j").json" >/dev/null
  done
  started=$(date +%s.%N)
  for ((i = 1; i <= n; ++i)); do cc resume "P$i" >/dev/null; done
  # Wait until every job has ended (cards x 26.1 s x scale, plus slack).
  limit=$(python3 -c "print(int(60 + 3 * $cards * 26.1 * $scale * 2))")
  if ! python3 - "$cardctl_bin" "$dir/api.sock" "$limit" <<'PY'; then
import json, subprocess, sys, time
cardctl, sock, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
deadline = time.monotonic() + limit
while time.monotonic() < deadline:
    out = subprocess.run([cardctl, "--socket", sock, "--json", "jobs", "--all"], capture_output=True, text=True)
    if out.returncode == 0:
        jobs = json.loads(out.stdout)["jobs"]
        if jobs and all(j["state"] in ("completed", "aborted", "canceled") for j in jobs):
            sys.exit(0)
    time.sleep(0.5)
sys.exit(1)
PY
    echo "   not every job ended within ${limit}s; measuring what was done" >&2
  fi
  wall=$(python3 -c "import time; print(round(time.time() - $started, 1))")
  cc --json printers >"$dir/printers.json"
  station_down "$dir"
  current=""
  results+=("$(python3 - "$dir" "$n" "$scale" "$wall" <<'PY'
import datetime, glob, json, os, sqlite3, sys
d, n, scale, wall = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
FEED, MOVE, SIDE, EJECT = 1500, 800, 11000, 1000
CYCLE = FEED + MOVE + MOVE + 2 * SIDE + EJECT  # 26,100 printer ms
PARTS = ["eject->issued commit", "issued->next feed-requested", "feed-requested->Sis",
         "at contact->at-station (Rlr;p poll)", "at-station->eject-requested (chip, personalise)",
         "eject-requested->Se (Ss, panels)"]
def ms(ts):
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp() * 1000.0
per = []
for i in range(1, n + 1):
    cards, order, first_ts = {}, [], None
    with open(f"{d}/cards/P{i}/events.jsonl") as f:
        for line in f:
            e = json.loads(line)
            if first_ts is None:
                first_ts = ms(e["ts"])
            s = e.get("serial")
            if not s:
                continue
            if s not in cards:
                cards[s] = {}
                order.append(s)
            c = cards[s]
            k = e["event"] + (":" + e["detail"] if e["event"] == "moved" else "")
            if e["event"] == "cooling":
                c["cooling_ms"] = c.get("cooling_ms", 0) + int(e["detail"].split()[0])
            c.setdefault(k, ms(e["ts"]))
    # cardd's journal: when each step of each attempt on this printer was
    # committed (real ms), in attempt order; the emulator's virtual times map
    # to real ones from its start (its first event): real = t0 + (v - t0) * scale.
    db = sqlite3.connect(f"file:{d}/state/cardd.db?mode=ro", uri=True)
    steps = []
    for job, in db.execute("SELECT job_id FROM card_attempts WHERE printer = ? AND outcome = 'issued' "
                           "ORDER BY started_at", (f"P{i}",)):
        st = {}
        for at, reason in db.execute("SELECT at, reasons FROM events WHERE kind = 'card-attempt' AND job_id = ? "
                                     "ORDER BY seq", (job,)):
            st.setdefault(reason, at)
        steps.append(st)
    db.close()
    t0 = first_ts
    real = lambda v: t0 + (v - t0) * scale
    ejected = [s for s in order if "ejected" in cards[s]]
    rejected = [s for s in order if "rejected" in cards[s]]
    row = {"printer": f"P{i}", "issued": len(ejected), "rejected": len(rejected)}
    if len(ejected) >= 2:
        span = cards[ejected[-1]]["ejected"] - cards[ejected[0]]["ejected"]
        measured = ejected[1:]
        gaps, dwell, cooling = [], [], 0
        prev = cards[ejected[0]]["ejected"]
        parts = {k: [] for k in PARTS}
        for n_, s in enumerate(measured, start=1):
            c = cards[s]
            gaps.append(c["fed"] - FEED - prev)
            dwell.append(c["moved:print"] - MOVE - c["moved:contact"])
            cooling += c.get("cooling_ms", 0)
            if n_ < len(steps) and all(k in steps[n_] for k in ("feed-requested", "at-station", "eject-requested")) \
                    and "issued" in steps[n_ - 1]:
                st, before = steps[n_], steps[n_ - 1]
                parts["eject->issued commit"].append(before["issued"] - real(prev))
                parts["issued->next feed-requested"].append(st["feed-requested"] - before["issued"])
                parts["feed-requested->Sis"].append(real(c["fed"] - FEED) - st["feed-requested"])
                parts["at contact->at-station (Rlr;p poll)"].append(st["at-station"] - real(c["moved:contact"]))
                parts["at-station->eject-requested (chip, personalise)"].append(
                    st["eject-requested"] - st["at-station"])
                parts["eject-requested->Se (Ss, panels)"].append(real(c["moved:print"] - MOVE) - st["eject-requested"])
            prev = c["ejected"]
        row["breakdown_real_ms"] = {k: round(sum(v) / len(v)) for k, v in parts.items() if v}
        row.update({
            "span_printer_s": round(span / 1000, 2),
            "cards_per_hour": 3600e3 * len(measured) / span,
            "busy": (len(measured) * CYCLE + cooling) / span,
            "cooling_s": round(cooling / 1000, 1),
            "host_gap_real_ms": round(sum(gaps) / len(gaps) * scale),
            "at_contact_real_ms": round(sum(dwell) / len(dwell) * scale),
            "host_gap_max_real_ms": round(max(gaps) * scale),
            "at_contact_max_real_ms": round(max(dwell) * scale),
        })
    per.append(row)
nameplate = 3600e3 / CYCLE
combined = sum(r.get("cards_per_hour", 0) for r in per)
measured_rows = [r for r in per if "cards_per_hour" in r]
avg = lambda k: round(sum(r[k] for r in measured_rows) / max(1, len(measured_rows)))
print(json.dumps({
    "printers": n, "time_scale": scale, "wall_s": wall,
    "nameplate_per_printer": round(nameplate, 1), "nameplate_combined": round(n * nameplate, 1),
    "cards_per_hour": round(combined, 1), "percent_nameplate": round(100 * combined / (n * nameplate), 1),
    "printer_busy_percent": round(100 * sum(r["busy"] for r in measured_rows) / max(1, len(measured_rows)), 1),
    "issued": sum(r["issued"] for r in per), "rejected": sum(r["rejected"] for r in per),
    "host_gap_real_ms": avg("host_gap_real_ms") if measured_rows else None,
    "at_contact_real_ms": avg("at_contact_real_ms") if measured_rows else None,
    "breakdown_real_ms": {k: round(sum(r["breakdown_real_ms"][k] for r in measured_rows
                                       if k in r.get("breakdown_real_ms", {})) /
                                   max(1, sum(1 for r in measured_rows if k in r.get("breakdown_real_ms", {}))))
                          for k in PARTS},
    "per_printer": per}))
PY
)")
  echo "   ${results[-1]:0:200}..."
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

mkdir -p "$(dirname "$out")"
python3 - "$out" "$load_before" "$load_after" "$cards" "$CARDD_BUILD" "${results[@]}" <<'PY'
import json, os, platform, subprocess, sys
out, before, after, cards, build = sys.argv[1:6]
rows = [json.loads(r) for r in sys.argv[6:]]
try:
    rev = subprocess.run(["git", "-C", os.path.dirname(out), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip()
except OSError:
    rev = ""
print()
print(f"nameplate: 26.1 s per dual-sided chip card = {rows[0]['nameplate_per_printer']} cards/h per printer"
      f" (emulator defaults); target >= 97 %")
print(f"{'printers':>8} {'scale':>6} {'cards/h':>8} {'nameplate':>9} {'%':>6} {'busy %':>7} "
      f"{'issued':>6} {'host gap':>9} {'at contact':>11} {'cooling s':>9}   (gaps: real ms per card)")
for r in rows:
    cool = sum(p.get("cooling_s", 0) for p in r["per_printer"])
    print(f"{r['printers']:>8} {r['time_scale']:>6} {r['cards_per_hour']:>8.1f} {r['nameplate_combined']:>9.1f} "
          f"{r['percent_nameplate']:>6.1f} {r['printer_busy_percent']:>7.1f} {r['issued']:>6} "
          f"{r['host_gap_real_ms']!s:>9} {r['at_contact_real_ms']!s:>11} {cool:>9.1f}"
          f"   {'meets' if r['percent_nameplate'] >= 97 else 'misses'}")
print()
print("where the host time goes, real ms per card (mean over measured cards and printers):")
parts = list(rows[0]["breakdown_real_ms"].keys())
print(f"{'':<50}" + "".join(f"{str(r['printers']) + '@' + str(r['time_scale']):>9}" for r in rows))
for k in parts:
    print(f"{k:<50}" + "".join(f"{r['breakdown_real_ms'].get(k, 0):>9}" for r in rows))
print(f"{'real ms of one card at nameplate (26.1 s x scale)':<50}" +
      "".join(f"{round(26100 * r['time_scale']):>9}" for r in rows))
print(f"load average: before {before}, after {after} ({os.cpu_count()} CPUs)")
with open(out, "w") as f:
    json.dump({"bench": "station-cards-per-hour", "git": rev, "host": platform.node(), "cpus": os.cpu_count(),
               "kernel": platform.release(), "build": build, "cards_per_printer": int(cards),
               "load_before": before, "load_after": after, "target_percent": 97,
               "cycle_ms": {"feed": 1500, "move": 800, "print_side": 11000, "eject": 1000, "total": 26100},
               "runs": rows}, f, indent=1)
print(f"results: {out}")
PY
