#!/usr/bin/env bash
# Everything the test suite needs on a fresh Debian/Ubuntu machine, idempotent:
#   - the package with its test extra (pytest, pytest-xdist, hypothesis, playwright's Python API);
#   - Debian's Chromium for the live-reload browser test (never a browser downloaded by playwright);
#   - Debian's rsync and git for the deploy tests;
#   - Debian's libfribidi0, which Pillow's raqm layout loads to set Arabic and Hebrew share cards;
#   - the external checkers in ../shared/tools when that folder is beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check -e '.[test]'
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install-deps: apt-get install chromium" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
if ! command -v rsync >/dev/null 2>&1 || ! command -v git >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install-deps: apt-get install rsync git" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends rsync git >/dev/null
fi
if ! ldconfig -p 2>/dev/null | grep -q 'libfribidi\.so\.0'; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install-deps: apt-get install libfribidi0" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libfribidi0 >/dev/null
fi
if [ -x ../shared/tools/install.sh ]; then
  ../shared/tools/install.sh
else
  echo "install-deps: ../shared/tools absent: the external-checker tests will skip" >&2
fi
