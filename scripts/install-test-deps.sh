#!/usr/bin/env bash
# Installs the Debian packages the tests need, once: Chromium and ChromeDriver for the browser
# tests, nginx for the server tests (tests/nginx_support.py starts it as a normal process).
# Browser test tools may not download their own browser here; Debian's build is used instead.
set -euo pipefail
PACKAGES=()
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  PACKAGES+=(chromium chromium-driver fonts-dejavu-core)
fi
# nginx lives in /usr/sbin, which is not on every user's PATH.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  PACKAGES+=(nginx)  # Debian 12: includes gzip_static
fi
if [ "${#PACKAGES[@]}" -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
