#!/usr/bin/env bash
# The console's browser tests drive Debian's Chromium headless (playwright-core downloads no browser): installed from
# Debian's packages when it is missing. Needs root (or passwordless sudo) the first time only.
set -Eeuo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
printf '=== installing chromium from Debian packages (the console browser tests use it)\n'
sudo_cmd=()
if [ "$(id -u)" != 0 ]; then sudo_cmd=(sudo -n); fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium
command -v chromium >/dev/null
