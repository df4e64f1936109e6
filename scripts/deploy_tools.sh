#!/usr/bin/env bash
# Installs what the deployment's checks run, from Debian's packages: HAProxy, the load balancer in front of Seva's
# Rasa replicas (deploy/haproxy.cfg.j2), and docker-compose, which validates deploy/compose.yml.
set -euo pipefail
command -v haproxy >/dev/null && command -v docker-compose >/dev/null && exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
mkdir -p results
echo "installing Debian's haproxy and docker-compose (log: results/apt-deploy-tools.log)"
export DEBIAN_FRONTEND=noninteractive
packages="haproxy docker-compose"
$sudo apt-get install -y -q --no-install-recommends $packages > results/apt-deploy-tools.log 2>&1 \
  || { $sudo apt-get update -q >> results/apt-deploy-tools.log 2>&1 \
       && $sudo apt-get install -y -q --no-install-recommends $packages >> results/apt-deploy-tools.log 2>&1; } \
  || { tail -n 20 results/apt-deploy-tools.log; exit 1; }
