#!/usr/bin/env bash
# Debian's Chromium for the browser tests (the web console and Microsoft 365 Agents Playground).
# Test tools must not download their own browser (the network here reaches only npm and Debian).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then echo "chromium already installed"; exit 0; fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get install -y -qq chromium >/dev/null 2>&1 || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null; }
chromium --version
