#!/usr/bin/env bash
# Sourced by eng/test.sh: makes the Debian Chromium available to the browser tests (Playwright for .NET drives it; it
# cannot download browsers here) and exports
#   TENANTKIT_CHROMIUM   the browser executable the tests launch
# If TENANTKIT_CHROMIUM is already set to an executable, it is used as it is. Otherwise /usr/bin/chromium is used,
# installed with apt-get when it is missing and we are root. When no browser can be had, this prints why and returns 0:
# the browser tests then fail loudly (they are never skipped), and every other test still runs.

if [ -n "${TENANTKIT_CHROMIUM:-}" ] && [ -x "${TENANTKIT_CHROMIUM}" ]; then
  echo "chromium: using $TENANTKIT_CHROMIUM"
  return 0
fi

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "chromium: installing Chromium with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
      || echo "chromium: apt-get install chromium failed; the browser tests will fail" >&2
  else
    echo "chromium: /usr/bin/chromium is missing (install the 'chromium' package, or run as root so this script can); the browser tests will fail" >&2
  fi
fi

if [ -x /usr/bin/chromium ]; then
  export TENANTKIT_CHROMIUM=/usr/bin/chromium
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
fi
return 0
