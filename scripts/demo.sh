#!/usr/bin/env bash
# The station's main job on the emulated station, from nothing:
#   1. builds cardd and cardctl (dev preset),
#   2. starts cardd with the demo config on a private socket and store,
#   3. submits a batch of sample citizens through the API, as a frontend would,
#   4. books a lot of blank cards into the ledger and loads two feeders,
#   5. shows the queue, one job's history, a hold and a release, the event
#      stream, a stock-take with a two-person destruction and the audit chain,
#   6. stops cardd (SIGTERM, graceful drain) and tells you where to look.
# Printers and chips are not wired in yet (see docs/architecture.md): the jobs
# stay queued. Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
count=${CARDD_DEMO_JOBS:-12}

scripts/install-deps.sh
echo "==> building cardd and cardctl"
cmake --preset dev >/dev/null
cmake --build --preset dev -j"$(nproc)" --target cardd cardctl >/dev/null

work=$(mktemp -d /tmp/cardd-demo.XXXXXX)
sock="$work/api.sock"
cardd_pid=""
cleanup() {
  if [[ -n "$cardd_pid" ]] && kill -0 "$cardd_pid" 2>/dev/null; then
    kill -TERM "$cardd_pid" 2>/dev/null || true
    wait "$cardd_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'echo; echo "demo interrupted"; exit 130' INT TERM

cardd="$root/build/dev/daemon/cardd"
cardctl() { "$root/build/dev/cardctl/cardctl" --socket "$sock" "$@"; }

echo "==> checking the demo configuration"
"$cardd" --config config/demo.yaml --check-config

echo "==> starting cardd (socket $sock, store $work/state)"
"$cardd" --config config/demo.yaml --socket "$sock" --state-dir "$work/state" --log-stderr 2>"$work/cardd.log" &
cardd_pid=$!
for _ in $(seq 1 100); do
  cardctl ping >/dev/null 2>&1 && break
  kill -0 "$cardd_pid" 2>/dev/null || { cat "$work/cardd.log"; echo "cardd did not start" >&2; exit 1; }
  sleep 0.1
done
cardctl ping

echo
echo "==> a supervisor receives a lot of 500 blank cards; an operator loads two printers"
cardctl stock receive L-2026-11 --supplier "PT Kartu Aman (sample)" --quantity 500 --serials BLK000001..BLK000500
cardctl stock load P1 --quantity 100
cardctl stock load P2 --quantity 100
cardctl stock

echo
echo "==> a frontend submits $count enrolled citizens"
python3 scripts/make-citizens.py "$work/jobs" "$count"
for f in "$work"/jobs/*.json; do cardctl submit "$f"; done
echo "--> submitting the first one again (same idempotency key): nothing is queued twice"
cardctl submit "$work/jobs/citizen-001.json"

echo
echo "==> the card face of job 1 as it will print (rendered from config/templates/ektp-specimen)"
cardctl preview 1 -o "$work/job-1-front.png"
cardctl preview 1 --side back -o "$work/job-1-back.png"

echo
echo "==> a supervisor holds job 3 (e.g. a document to re-check), then releases it"
cardctl hold 3
cardctl release 3
echo "--> and a clerk cancels job 5 (the citizen left)"
cardctl cancel 5

echo
echo "==> the queue"
cardctl jobs
echo
echo "==> job 3 and its history"
cardctl job 3
echo
echo "==> the event stream (what a dashboard follows with: cardctl events --follow)"
cardctl events --since 0 | tail -n 6
echo
echo "==> a stock-take finds 2 spoiled cards in P2's reject box; destroying them needs a witness"
cardctl stock count --reason "reject box check" L-2026-11:spoiled=2
cardctl stock destroy L-2026-11 --quantity 2 --note "shredded at the counter"
cardctl stock pending
echo "--> (a second person runs: cardctl stock witness 1; the same user is refused:)"
cardctl stock witness 1 || true

echo
echo "==> the audit trail"
cardctl audit verify

echo
echo "==> stopping cardd (graceful drain)"
kill -TERM "$cardd_pid"
wait "$cardd_pid"
cardd_pid=""
cat <<DONE

Done. $count jobs were submitted (one canceled); the queue is durable in $work/state/cardd.db.
  card previews:  $work/job-1-front.png, $work/job-1-back.png
  daemon log:     $work/cardd.log
  inspect store:  sqlite3 $work/state/cardd.db 'SELECT id, state, priority FROM jobs'
  next:           docs/architecture.md (design), docs/api/openapi.yaml (API),
                  docs/operations.md (running a station), bench/README.md (speed)
DONE
