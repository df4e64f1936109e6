#!/usr/bin/env bash
# Installs Debian's HAProxy, the load balancer in front of Seva's Rasa replicas (deploy/haproxy.cfg.j2).
set -euo pipefail
command -v haproxy >/dev/null && exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
mkdir -p results
echo "installing Debian's haproxy (log: results/apt-haproxy.log)"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q haproxy > results/apt-haproxy.log 2>&1 \
  || { $sudo apt-get update -q >> results/apt-haproxy.log 2>&1 && $sudo apt-get install -y -q haproxy >> results/apt-haproxy.log 2>&1; } \
  || { tail -n 20 results/apt-haproxy.log; exit 1; }
