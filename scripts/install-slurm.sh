#!/usr/bin/env bash
# Installs a local SLURM (controller, node daemon, client tools) and munge from the distribution's
# packages, for the one-node test cluster of tests/cluster. Nothing is configured or started here:
# the test harness writes its own slurm.conf and starts the daemons by hand in a temporary folder.
# Idempotent: exits 0 without touching anything when every package is already installed.
set -euo pipefail

PACKAGES=(slurmctld slurmd slurm-client munge)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "[install-slurm] already installed: $(dpkg-query -W -f='${Package} ${Version}  ' "${PACKAGES[@]}")"
  exit 0
fi
echo "[install-slurm] installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "[install-slurm] installed: $(dpkg-query -W -f='${Package} ${Version}  ' "${missing[@]}")"
