#!/usr/bin/env bash
# The one test command: builds the solution, starts what the tests need (a throwaway PostgreSQL on 127.0.0.1 when
# its binaries are available or installable), runs every test project, stops what it started, and ends with one line
# "N passed, N failed[, N skipped]" summed over all test projects. Exits non-zero on any failure.
#
#   bash eng/test.sh                 # everything
#   bash eng/test.sh --filter Name   # extra arguments go to `dotnet test`
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

cleanup() {
  for hook in "${cleanup_hooks[@]:-}"; do [ -n "$hook" ] && eval "$hook" >/dev/null 2>&1 || true; done
}
cleanup_hooks=()
trap cleanup EXIT

# Services the tests need. Each script exports the variables the tests read and registers its own cleanup.
for service in eng/services/*.sh; do
  [ -f "$service" ] || continue
  # shellcheck disable=SC1090
  # A service that cannot start fails the run like a failed build: the promised final line, then a non-zero exit.
  source "$service" || { echo "0 passed, 1 failed"; echo "error: could not start the service in $service" >&2; exit 1; }
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# On CI a missing snapshot is a failure, not a new snapshot written on the fly.
if [ "${CI:-}" = "true" ]; then export SNAPSHOOTER_STRICT_MODE=true; fi
if ! dotnet build TenantKit.sln -c Release -nologo -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  echo "error: the build failed" >&2
  exit 1
fi

# One test project at a time: every project gets its own TRX file, and timing-sensitive suites (stress tests,
# browser tests) do not compete with each other for the two cores CI has.
status=0
for project in $(find tests -name '*.Tests.csproj' | sort); do
  name=$(basename "$project" .csproj)
  echo "== $name"
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" "$@" || status=$?
done

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n1)
  get() { grep -o " $1=\"[0-9]*\"" <<<"$counters" | grep -o '[0-9]*' || echo 0; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed); e=$(get error); t=$(get timeout); a=$(get aborted)
  passed=$((passed + p)); failed=$((failed + f + e + t + a)); skipped=$((skipped + total - executed))
done

if [ "$files" -eq 0 ]; then
  echo "error: no test results were written" >&2
  failed=$((failed + 1))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "error: dotnet test exited with $status" >&2
  failed=1
fi

if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
