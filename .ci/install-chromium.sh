#!/usr/bin/env bash
# Debian's Chromium for the browser tests (the web console and Microsoft 365 Agents Playground).
# Test tools must not download their own browser (the network here reaches only npm and Debian).
set -euo pipefail
if dpkg -s chromium fonts-noto-color-emoji >/dev/null 2>&1; then echo "chromium already installed"; exit 0; fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
# fonts-noto-color-emoji: the 👍/👎 buttons in screenshots (Debian's chromium brings no emoji font)
$SUDO apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null 2>&1 || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; }
chromium --version
