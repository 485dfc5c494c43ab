#!/usr/bin/env bash
# Sourced by eng/test.sh: makes sure a redis-server binary exists and exports
#   TENANTKIT_TEST_REDIS_SERVER   the path of the redis-server binary
# Tests start (and stop, and restart) their own redis-server processes from it on free 127.0.0.1 ports
# (tests/Shared/RedisServer.cs), so no server is started here and nothing needs cleaning up.
# If TENANTKIT_TEST_REDIS_SERVER is already set to an executable, it is used as is. Otherwise redis-server is looked up
# on PATH, else installed with apt-get when running as root. Returns non-zero (test.sh then stops) when there is none.

if [ -n "${TENANTKIT_TEST_REDIS_SERVER:-}" ] && [ -x "$TENANTKIT_TEST_REDIS_SERVER" ]; then
  echo "redis: using $TENANTKIT_TEST_REDIS_SERVER"
  return 0
fi

_tk_redis_bin=$(command -v redis-server 2>/dev/null || true)
if [ -z "$_tk_redis_bin" ] && [ -x /usr/bin/redis-server ]; then
  _tk_redis_bin=/usr/bin/redis-server
fi
if [ -z "$_tk_redis_bin" ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "redis: installing redis-server with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server >/dev/null; } \
      || { echo "redis: apt-get install redis-server failed" >&2; return 1; }
    # The package starts a system-wide server on 6379; the tests do not use it.
    if command -v systemctl >/dev/null 2>&1; then systemctl stop redis-server >/dev/null 2>&1 || true; fi
    _tk_redis_bin=$(command -v redis-server 2>/dev/null || true)
    [ -n "$_tk_redis_bin" ] || [ ! -x /usr/bin/redis-server ] || _tk_redis_bin=/usr/bin/redis-server
    [ -n "$_tk_redis_bin" ] || { echo "redis: installed, but redis-server was not found" >&2; return 1; }
  else
    echo "redis: redis-server was not found (install Redis, or run as root so this script can)" >&2
    return 1
  fi
fi

export TENANTKIT_TEST_REDIS_SERVER="$_tk_redis_bin"
echo "redis: $("$_tk_redis_bin" --version | grep -oE 'v=[0-9.]+' | head -n1 | cut -c3-) at $_tk_redis_bin (tests start their own servers)"
unset _tk_redis_bin
