#!/usr/bin/env bash
# Installs the Debian packages pmeta builds and tests with, when missing.
# Java 17 and Maven (to run Neo4j) are expected on the machine.
#
#   scripts/install-deps.sh [--slurm] [--browser]
#
# --slurm adds Debian's Slurm (slurm-wlm) and munge, for the tests that run
# on the project's single-node cluster (`make slurm-start`; CI does). They
# are optional: pmeta builds without them, and those tests skip with the
# reason. They are not in the base set because on a machine with systemd
# the packages enable and start cluster daemons of their own.
#
# --browser adds Debian's chromium (and nodejs/npm when missing), for the
# Neo4j Browser test (tests/t0211; playwright-core drives /usr/bin/chromium,
# no browser is downloaded). Optional too: the test skips without it.
set -euo pipefail

pkgs=(build-essential pkg-config libcurl4-openssl-dev libjansson-dev libgit2-dev
      libinih-dev libyaml-dev zlib1g-dev libcmocka-dev uuid-dev curl git python3 python3-jsonschema procps iproute2
      clang libclang-rt-14-dev)  # clang and libFuzzer's runtime: make fuzz
for arg in "$@"; do
	case $arg in
	--slurm) pkgs+=(slurm-wlm munge) ;;
	--browser)
		pkgs+=(chromium)
		command -v npm >/dev/null || pkgs+=(nodejs npm)
		;;
	*) echo "usage: $0 [--slurm] [--browser]" >&2; exit 2 ;;
	esac
done
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "installing: ${missing[*]}"
sudo=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "error: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for tool in java mvn; do
	command -v "$tool" >/dev/null || { echo "error: '$tool' is missing: Neo4j needs Java 17 and Maven" >&2; exit 1; }
done
