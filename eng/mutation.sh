#!/usr/bin/env bash
# Mutation testing with Stryker.NET: how many deliberately broken versions of a source file the tests catch.
#
#   bash eng/mutation.sh src/TenantKit/Tenants/TenantIdentifier.cs            # one file
#   bash eng/mutation.sh 'src/TenantKit/Runtime/Lease*.cs' src/TenantKit.EfCore/Infrastructure/TenantSaveChangesInterceptor.cs
#
# Each file is mutated against the test project of its package (src/<Package>/... -> tests/<Package>.Tests), one
# Stryker run per package, and the script ends with one line per file: "<score>% <file> (killed K, timeout T,
# survived S, no coverage N)". The HTML and JSON reports are in artifacts/mutation/<Package>/. Not part of eng/test.sh:
# a run takes minutes per file. Tests that need PostgreSQL or Redis get them as in eng/test.sh (eng/services/*.sh).
# Set STRYKER_CONCURRENCY to limit the parallel test runs (default: Stryker's, the number of cores).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ "$#" -eq 0 ]; then
  echo "usage: bash eng/mutation.sh <source file or glob>..." >&2
  exit 2
fi

cleanup() {
  for hook in "${cleanup_hooks[@]:-}"; do [ -n "$hook" ] && eval "$hook" >/dev/null 2>&1 || true; done
}
cleanup_hooks=()
trap cleanup EXIT

dotnet tool restore >/dev/null || { echo "error: dotnet tool restore failed" >&2; exit 1; }

# Files by package.
declare -A files_of
for pattern in "$@"; do
  matched=0
  for file in $pattern; do
    [ -f "$file" ] || continue
    matched=1
    package=$(cut -d/ -f2 <<<"$file")
    files_of[$package]+="$file "
  done
  [ "$matched" -eq 1 ] || { echo "error: no source file matches $pattern" >&2; exit 2; }
done

needs_services=0
for package in "${!files_of[@]}"; do
  case "$package" in TenantKit.EfCore|TenantKit.Redis|TenantKit.Identity) needs_services=1 ;; esac
done
if [ "$needs_services" -eq 1 ]; then
  for service in eng/services/postgres.sh eng/services/redis.sh; do
    # shellcheck disable=SC1090
    source "$service" || { echo "error: could not start the service in $service" >&2; exit 1; }
  done
fi

status=0
summary=()
for package in "${!files_of[@]}"; do
  tests="tests/$package.Tests/$package.Tests.csproj"
  [ -f "$tests" ] || { echo "error: no test project $tests for $package" >&2; status=1; continue; }
  output="$root/artifacts/mutation/$package"
  rm -rf "$output"
  mutate=()
  for file in ${files_of[$package]}; do
    mutate+=(--mutate "**/${file#src/$package/}")
  done
  concurrency=()
  [ -n "${STRYKER_CONCURRENCY:-}" ] && concurrency=(--concurrency "$STRYKER_CONCURRENCY")
  echo "== $package: ${files_of[$package]}"
  (cd "tests/$package.Tests" && dotnet dotnet-stryker --project "$package.csproj" "${mutate[@]}" "${concurrency[@]}" \
      --reporter json --reporter html --reporter progress --output "$output") || status=$?

  report=$(find "$output" -name mutation-report.json | head -n1)
  if [ -z "$report" ]; then
    echo "error: Stryker wrote no report for $package" >&2
    status=1
    continue
  fi

  while IFS= read -r line; do summary+=("$line"); done < <(python3 - "$report" "$package" <<'PY'
import json, sys
report, package = sys.argv[1], sys.argv[2]
data = json.load(open(report))
for path, entry in sorted(data["files"].items()):
    counts = {}
    for mutant in entry["mutants"]:
        counts[mutant["status"]] = counts.get(mutant["status"], 0) + 1
    killed, timeout = counts.get("Killed", 0), counts.get("Timeout", 0)
    survived, nocov = counts.get("Survived", 0), counts.get("NoCoverage", 0)
    valid = killed + timeout + survived + nocov
    if valid == 0:
        continue  # a file the run did not mutate
    score = 100.0 * (killed + timeout) / valid if valid else 100.0
    name = path[path.index("src/"):] if "src/" in path else f"src/{package}/{path}"
    print(f"{score:.1f}% {name} (killed {killed}, timeout {timeout}, survived {survived}, no coverage {nocov})")
PY
)
done

echo
printf '%s\n' "${summary[@]}"
exit "$status"
