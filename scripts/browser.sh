#!/usr/bin/env bash
# Installs Debian's Chromium, which the console's browser tests drive through Playwright (which is never let
# download a browser of its own), and fonts for Devanagari and Gurmukhi, so that the screenshots show them.
set -euo pipefail
command -v chromium >/dev/null && fc-list | grep -q Lohit-Gurmukhi && exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
mkdir -p results
echo "installing Debian's chromium and Indic fonts for the browser tests (log: results/apt.log)"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q chromium fonts-lohit-deva fonts-lohit-guru > results/apt.log 2>&1 \
  || { $sudo apt-get update -q >> results/apt.log 2>&1 && $sudo apt-get install -y -q chromium fonts-lohit-deva fonts-lohit-guru >> results/apt.log 2>&1; } \
  || { tail -n 20 results/apt.log; exit 1; }
