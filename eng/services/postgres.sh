#!/usr/bin/env bash
# Sourced by eng/test.sh: starts a throwaway PostgreSQL on 127.0.0.1 for the tests and exports
#   TENANTKIT_TEST_POSTGRES   an Npgsql connection string of a role that may create databases (not a superuser, so
#                             row-level security applies to it)
# and registers a cleanup hook that stops the server and removes its data directory.
# If TENANTKIT_TEST_POSTGRES is already set, that server is used and nothing is started.
# Needs the PostgreSQL server binaries (initdb, pg_ctl, psql): found on PATH or in /usr/lib/postgresql/*/bin, else
# installed with apt-get when running as root. Returns non-zero (test.sh then stops) when it cannot start a server.

if [ -n "${TENANTKIT_TEST_POSTGRES:-}" ]; then
  echo "postgres: using the server in TENANTKIT_TEST_POSTGRES"
  return 0
fi

_tk_pg_find_bin() {
  local dir
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return 0
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

_tk_pg_bin=$(_tk_pg_find_bin) || _tk_pg_bin=""
if [ -z "$_tk_pg_bin" ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "postgres: installing PostgreSQL with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; } || { echo "postgres: apt-get install postgresql failed" >&2; return 1; }
    _tk_pg_bin=$(_tk_pg_find_bin) || { echo "postgres: installed, but initdb/pg_ctl were not found" >&2; return 1; }
  else
    echo "postgres: initdb and pg_ctl were not found (install PostgreSQL, or run as root so this script can)" >&2
    return 1
  fi
fi

# The server refuses to run as root: as root, run every PostgreSQL binary as the 'postgres' user.
_tk_pg_as=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres || { echo "postgres: no 'postgres' user to run the server as" >&2; return 1; }
  _tk_pg_as=(runuser -u postgres --)
fi

_tk_pg_dir=$(mktemp -d /tmp/tenantkit-pg.XXXXXX) || return 1
chmod 700 "$_tk_pg_dir"
[ "${#_tk_pg_as[@]}" -gt 0 ] && chown postgres: "$_tk_pg_dir"
# Stop the server (as the user it runs as) and remove its directory, whatever happens next.
cleanup_hooks+=("${_tk_pg_as[*]:-} \"$_tk_pg_bin/pg_ctl\" -D \"$_tk_pg_dir/data\" -m immediate -w stop >/dev/null 2>&1; rm -rf \"$_tk_pg_dir\"")

if ! "${_tk_pg_as[@]}" "$_tk_pg_bin/initdb" -D "$_tk_pg_dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --no-locale >"$_tk_pg_dir/initdb.log" 2>&1; then
  echo "postgres: initdb failed:" >&2; cat "$_tk_pg_dir/initdb.log" >&2
  return 1
fi

# A free port on 127.0.0.1: try random ones until the server starts (another process may take one meanwhile).
_tk_pg_started=""
for _tk_pg_try in 1 2 3 4 5 6 7 8; do
  _tk_pg_port=$((20000 + RANDOM % 40000))
  if (exec 3<>"/dev/tcp/127.0.0.1/$_tk_pg_port") 2>/dev/null; then
    continue
  fi
  if "${_tk_pg_as[@]}" "$_tk_pg_bin/pg_ctl" -D "$_tk_pg_dir/data" -l "$_tk_pg_dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $_tk_pg_port -k $_tk_pg_dir -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null 2>&1; then
    _tk_pg_started=1
    break
  fi
done
if [ -z "$_tk_pg_started" ]; then
  echo "postgres: the server did not start:" >&2; tail -n 20 "$_tk_pg_dir/server.log" >&2
  return 1
fi

_tk_pg_password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
if ! "${_tk_pg_as[@]}" "$_tk_pg_bin/psql" -h "$_tk_pg_dir" -p "$_tk_pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q >"$_tk_pg_dir/setup.log" 2>&1 <<SQL
CREATE ROLE tenantkit LOGIN PASSWORD '$_tk_pg_password' CREATEDB NOSUPERUSER NOBYPASSRLS;
CREATE DATABASE tenantkit OWNER tenantkit;
-- Tests drop their databases WITH (FORCE), which must end every session in them: an autovacuum worker is not the
-- test role's, and without pg_signal_backend the drop then fails with 42501 (seen on a loaded machine).
GRANT pg_signal_backend TO tenantkit;
SQL
then
  echo "postgres: could not create the test role and database:" >&2; cat "$_tk_pg_dir/setup.log" >&2
  return 1
fi

export TENANTKIT_TEST_POSTGRES="Host=127.0.0.1;Port=$_tk_pg_port;Username=tenantkit;Password=$_tk_pg_password;Database=tenantkit;Include Error Detail=true"
echo "postgres: PostgreSQL $("$_tk_pg_bin/postgres" --version | grep -oE '[0-9]+(\.[0-9]+)?' | head -n1) on 127.0.0.1:$_tk_pg_port (data in $_tk_pg_dir)"
unset -f _tk_pg_find_bin
