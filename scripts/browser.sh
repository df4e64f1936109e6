#!/usr/bin/env bash
# Installs Debian's Chromium, which the console's browser tests drive through Playwright (which is never let
# download a browser of its own).
set -euo pipefail
command -v chromium >/dev/null && exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
mkdir -p results
echo "installing Debian's chromium for the browser tests (log: results/apt.log)"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q chromium > results/apt.log 2>&1 \
  || { $sudo apt-get update -q >> results/apt.log 2>&1 && $sudo apt-get install -y -q chromium >> results/apt.log 2>&1; } \
  || { tail -n 20 results/apt.log; exit 1; }
