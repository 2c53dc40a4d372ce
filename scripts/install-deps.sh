#!/usr/bin/env bash
# Installs the Debian 12 packages vidpipe builds and tests with.
# Idempotent: does nothing (no apt-get at all) when every package is already present.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config git ccache
  # runtime libraries (see README "Dependencies")
  libtbb-dev libboost-dev libyaml-cpp-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libopencv-dev libpng-dev libjpeg-dev
  # tests: doctest, the ffmpeg CLI for test videos, and the Python reference stack
  doctest-dev ffmpeg python3 python3-numpy python3-torch python3-torchvision python3-av python3-pytest
  # the Python package (framework/python; optional: the build skips it without pybind11)
  python3-dev pybind11-dev python3-pybind11
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
