#!/usr/bin/env bash
# Personalisation benchmark: one e-ID card through a private pcscd + vpcd +
# the virtual chip vs a bare replay of its APDUs, the APDU count vs the
# minimum, and EF.SOD signatures/s vs `openssl speed ecdsap256`. Builds
# nothing: give it a build dir holding cardd-bench-personalise, e.g.
#   cmake --preset release -B /tmp/build-rel
#   cmake --build /tmp/build-rel --target cardd-bench-personalise
#   bench/personalise/run.sh /tmp/build-rel [--rounds N] [--photo-size BYTES]
#   (also --sign-seconds S, --sign-slices N: interleaved openssl/SOD pairs)
# Prints the figures and the ratios and writes
# bench/results/personalise-<date>.json (or --out FILE). See README.md.
set -euo pipefail

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

[[ $# -ge 1 ]] || usage
build_dir=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
out="$(cd "$here/.." && pwd)/results/personalise-$(date +%Y%m%d-%H%M%S).json"
extra=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --rounds | --photo-size | --sign-seconds | --sign-slices) extra+=("$1" "$2"); shift 2 ;;
    -h | --help) usage ;;
    *) echo "unknown option $1" >&2; usage ;;
  esac
done

bench=$(find "$build_dir" -name cardd-bench-personalise -type f -perm -u+x | head -n 1)
if [[ -z $bench ]]; then
  echo "no cardd-bench-personalise under $build_dir: build the target first" >&2
  exit 2
fi

work=$(mktemp -d /tmp/cardd-bench-perso-XXXXXX)
trap 'rm -rf "$work"' EXIT

# Test PKI (EC P-256): a CSCA and a document signer it issued.
(
  cd "$work"
  openssl ecparam -name prime256v1 -genkey -noout -out csca.key
  openssl req -new -x509 -days 2 -key csca.key -subj '/C=ID/CN=Bench CSCA' \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign -out csca.pem
  openssl ecparam -name prime256v1 -genkey -noout -out ds.key
  openssl req -new -key ds.key -subj '/C=ID/CN=Bench Document Signer' -out ds.csr
  echo 'keyUsage=critical,digitalSignature' >ds.ext
  openssl x509 -req -days 2 -in ds.csr -CA csca.pem -CAkey csca.key -set_serial 2 \
    -extfile ds.ext -out ds.pem
  chmod 600 ds.key csca.key
) >"$work/pki.log" 2>&1 || { cat "$work/pki.log" >&2; exit 1; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average before: $load_before ($(nproc) CPUs)"

# openssl's own figure in the same run: ECDSA P-256 sign/s, one process
# (per CPU user second, openssl's default divisor). The bench itself then
# interleaves 1 s `openssl speed` runs with its SOD loop (--sign-slices).
openssl speed -seconds 3 ecdsap256 >"$work/speed.txt" 2>/dev/null
openssl_sign=$(awk '/ecdsa \(nistp256\)/ { print $(NF-1) }' "$work/speed.txt" | tail -n 1)
if [[ -z $openssl_sign ]]; then
  echo "could not read sign/s from openssl speed:" >&2
  cat "$work/speed.txt" >&2
  exit 1
fi

mkdir -p "$(dirname "$out")"
"$bench" --ds-key "$work/ds.key" --ds-cert "$work/ds.pem" --csca "$work/csca.pem" \
  --openssl-sign-per-s "$openssl_sign" --load "$load_before" --out "$out" "${extra[@]}"
status=$?
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "results: $out"
exit $status
