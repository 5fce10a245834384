#!/usr/bin/env bash
# Installs the Debian packages gridmap needs, only those that are missing (safe to run twice).
set -euo pipefail
# wrk: the load generator of the benchmark against tipg (benchmarks/bench_tipg.py)
packages=(postgresql-15 postgresql-15-postgis-3 chromium gdal-bin wrk)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages present: ${packages[*]}"
  exit 0
fi
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's postgresql-common creates and starts a default cluster; gridmap runs its own.
if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q '^15 *main'; then
  $sudo pg_ctlcluster 15 main stop 2>/dev/null || true
fi
