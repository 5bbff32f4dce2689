#!/usr/bin/env bash
# Set up everything yusuan needs on a fresh Debian machine: the Debian packages
# it uses (installed with apt-get only when missing), a virtualenv at .venv and
# the Python packages. Safe to run again; it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: python3 with venv support, the CJK font the PDF is typeset in,
# poppler-utils (pdftotext/pdftoppm) which the tests use to read PDFs back, and
# chromium, the headless browser the end-to-end tests drive through Playwright
# (executable_path=/usr/bin/chromium; Playwright downloads no browser of its own).
# PostgreSQL for the tests is installed and started by scripts/postgres.sh.
DEBIAN_PACKAGES=(python3 python3-venv python3-pip fonts-noto-cjk poppler-utils chromium)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
# A Python from elsewhere (pyenv, a container image) with working venv needs no Debian python.
if command -v python3 >/dev/null 2>&1 && python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  filtered=()
  for pkg in "${missing[@]}"; do
    case "$pkg" in python3|python3-venv|python3-pip) ;; *) filtered+=("$pkg") ;; esac
  done
  missing=("${filtered[@]}")
fi
if ((${#missing[@]})); then
  echo "安装 Debian 软件包：${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "创建虚拟环境 .venv"
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
