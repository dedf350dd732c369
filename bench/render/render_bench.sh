#!/usr/bin/env bash
# render_bench.sh: how long cardd takes to turn one card subject into the
# Evolis bytes of a printed card (template fill, librsvg + cairo render,
# YMCKO separation in scan order, Db/Dbc packing, framing), next to the same
# work done by rsvg-convert plus a Python separation (separate.py), in the
# same run. Prints ms/card for both and the ratio against the targets
# (<= 20 ms/card, >= 5x faster than the script), and writes a results JSON.
# The script's bytes are compared with cardd's: same work, same output.
#
# usage: bench/render/render_bench.sh [--cards N] [--script-cards M] [--no-build] [--out FILE]
#   --cards N         cards timed for cardd (default 200, after warmUp() and 3 warm-up cards)
#   --script-cards M  cards timed for the script (default 10, after 1 warm-up)
#   --no-build        use the binary already in the build directory
#   --out FILE        results file (default bench/results/render-<date>.json)
# Environment: BUILD_DIR (default build/release), PYTHON (default /usr/bin/python3,
#   which has python3-pil and python3-numpy), TEMPLATE (default ektp-specimen).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build/release}
PYTHON=${PYTHON:-/usr/bin/python3}
TEMPLATE=${TEMPLATE:-ektp-specimen}
TARGET_MS=20
TARGET_RATIO=5

CARDS=200 SCRIPT_CARDS=10 BUILD=1 OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cards) CARDS=$2; shift ;;
    --script-cards) SCRIPT_CARDS=$2; shift ;;
    --no-build) BUILD=0 ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "render_bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for n in "$CARDS" "$SCRIPT_CARDS"; do
  case "$n" in ''|*[!0-9]*|0) echo "--cards and --script-cards need a number >= 1" >&2; exit 2 ;; esac
done

say() { printf '%s\n' "$*" >&2; }
die() { say "render_bench.sh: $*"; exit 1; }

BENCH=$BUILD_DIR/bench/render/cardd-render-bench
if [ "$BUILD" = 1 ]; then
  if [ "$BUILD_DIR" = "$REPO/build/release" ] && [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    (cd "$REPO" && cmake --preset release >&2)
  fi
  say "building cardd-render-bench in $BUILD_DIR"
  cmake --build "$BUILD_DIR" -j2 --target cardd-render-bench >&2 || die "build failed"
fi
[ -x "$BENCH" ] || die "no $BENCH (build it, or drop --no-build)"
command -v rsvg-convert >/dev/null || die "rsvg-convert not found (apt-get install librsvg2-bin)"
"$PYTHON" -c 'import PIL, numpy' 2>/dev/null || die "$PYTHON lacks PIL or numpy (python3-pil, python3-numpy)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cardd-render-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
awk -v l="$LOAD_START" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }' &&
  say "WARNING: load average $LOAD_START on $(nproc) CPUs: wall-clock figures will be high and noisy; read the CPU columns"

# 1. cardd as the daemon's print worker runs it: one RenderContext and one
#    PreparedCard reused card after card, warmUp() first, the back rendered
#    on the context's second thread; then the same on one thread.
say "cardd (2 threads): $CARDS cards"
CPP=$("$BENCH" --id "$TEMPLATE" --templates "$REPO/config/templates" \
        --photo "$REPO/tests/render/data/photo.jpg" --cards "$CARDS" --threads 2 --json \
        --dump-dir "$WORK")
say "cardd (1 thread): $CARDS cards"
CPP_ONE=$("$BENCH" --id "$TEMPLATE" --templates "$REPO/config/templates" \
            --photo "$REPO/tests/render/data/photo.jpg" --cards "$CARDS" --threads 1 --json)
# 2. rsvg-convert + Python on the same filled SVGs.
say "rsvg-convert + python: $SCRIPT_CARDS cards"
PY=$("$PYTHON" "$REPO/bench/render/separate.py" "$WORK" --cards "$SCRIPT_CARDS")
LOAD_END=$(cut -d' ' -f1 /proc/loadavg)

mkdir -p "$REPO/bench/results"
OUT=${OUT:-$REPO/bench/results/render-$(date +%Y%m%d-%H%M%S).json}
REV=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=0
[ -n "$(git -C "$REPO" status --porcelain 2>/dev/null || true)" ] && DIRTY=1

CPP="$CPP" CPP_ONE="$CPP_ONE" PY="$PY" OUT="$OUT" REV="$REV" DIRTY="$DIRTY" \
LOAD_START="$LOAD_START" LOAD_END="$LOAD_END" TARGET_MS="$TARGET_MS" TARGET_RATIO="$TARGET_RATIO" \
"$PYTHON" - <<'PYEOF'
import json, os, platform, subprocess
cpp = json.loads(os.environ["CPP"])
one = json.loads(os.environ["CPP_ONE"])
py = json.loads(os.environ["PY"])
target_ms, target_ratio = float(os.environ["TARGET_MS"]), float(os.environ["TARGET_RATIO"])

def row(name, wall, cpu, ratio_wall, ratio_cpu):
    print(f"| {name:<38} | {wall:9.1f} | {cpu:8.1f} | {ratio_wall:8.1f}x | {ratio_cpu:6.1f}x |")

print()
print(f"| {'ms per card (both sides, YMCKO)':<38} | {'wall mean':>9} | {'cpu mean':>8} | {'vs script':>9} | {'cpu vs':>7} |")
print(f"|{'-'*40}|{'-'*11}|{'-'*10}|{'-'*11}|{'-'*9}|")
for name, r in (("cardd (2 threads: front | back)", cpp), ("cardd (1 thread)", one)):
    row(name, r["ms_per_card"], r["cpu_ms_per_card"], py["ms_per_card"] / r["ms_per_card"],
        py["cpu_ms_per_card"] / r["cpu_ms_per_card"])
row("rsvg-convert + python (separate.py)", py["ms_per_card"], py["cpu_ms_per_card"], 1.0, 1.0)
print()
print(f"cardd stages (wall / cpu ms): render {cpp['render_ms']:.1f} / {cpp['render_cpu_ms']:.1f}, "
      f"separate {cpp['separate_ms']:.1f} / {cpp['separate_cpu_ms']:.1f}, "
      f"encode {cpp['encode_ms']:.1f} / {cpp['encode_cpu_ms']:.1f}; warmUp() {cpp['warmup_call_ms']:.0f} ms, "
      f"first card after it {cpp['first_card_ms']:.0f} ms (neither counted)")
ratio = py["ms_per_card"] / cpp["ms_per_card"]
print(f"target <= {target_ms:.0f} ms/card: {'met' if cpp['ms_per_card'] <= target_ms else 'MISSED'} "
      f"(wall mean {cpp['ms_per_card']:.1f} ms, median {cpp['median_ms']:.1f}, min {cpp['min_ms']:.1f}; "
      f"cpu mean {cpp['cpu_ms_per_card']:.1f} ms; 1 thread: wall {one['ms_per_card']:.1f}, "
      f"cpu {one['cpu_ms_per_card']:.1f})")
print(f"target >= {target_ratio:.0f}x the script: {'met' if ratio >= target_ratio else 'MISSED'} ({ratio:.1f}x wall, "
      f"{py['cpu_ms_per_card'] / cpp['cpu_ms_per_card']:.1f}x cpu)")
print(f"same bytes as cardd: {py['same_bytes']} ({py['differing_bytes']} differing of {py['wire_bytes']})")
print(f"load average {os.environ['LOAD_START']} -> {os.environ['LOAD_END']} on {os.cpu_count()} CPUs")

result = {
    "benchmark": "render", "git_revision": os.environ["REV"], "dirty": os.environ["DIRTY"] != "0",
    "host": {"cpus": os.cpu_count(), "kernel": platform.release(),
             "load_start": float(os.environ["LOAD_START"]), "load_end": float(os.environ["LOAD_END"])},
    "rsvg_convert": subprocess.run(["rsvg-convert", "--version"], capture_output=True, text=True).stdout.strip(),
    "targets": {"ms_per_card": target_ms, "ratio_vs_script": target_ratio},
    "cardd": cpp, "cardd_one_thread": one, "script": py,
    "ratio_wall": ratio, "ratio_cpu": py["cpu_ms_per_card"] / cpp["cpu_ms_per_card"],
}
with open(os.environ["OUT"], "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")
print(f"results: {os.environ['OUT']}")
PYEOF
