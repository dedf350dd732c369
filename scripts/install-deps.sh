#!/usr/bin/env bash
# Installs what cardd needs to build, test and run, from Debian 12's archive.
# Idempotent and quick when everything is present. Needs root (or sudo).
#   scripts/install-deps.sh          build + test + run dependencies
#   scripts/install-deps.sh --fuzz   also clang for the fuzz preset
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libboost1.81-dev libboost-json1.81-dev
  libyaml-cpp-dev libsqlite3-dev sqlite3 libssl-dev openssl libgcrypt20-dev
  libpcsclite-dev libusb-1.0-0-dev libsystemd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  systemd procps curl python3 strace clang-format
  pcscd vsmartcard-vpcd pcsc-tools python3-pyscard opensc iproute2 procps
  librsvg2-dev libcairo2-dev libqrencode-dev librsvg2-bin fonts-dejavu-core
  python3-pil python3-numpy libturbojpeg0-dev
  softhsm2 libp11-dev libengine-pkcs11-openssl
  umockdev libumockdev-dev libp11-kit-dev
)
if [[ "${1:-}" == "--fuzz" ]]; then
  packages+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (or install sudo)" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
