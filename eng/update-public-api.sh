#!/usr/bin/env bash
# Adds every symbol the public API analyzer reports as undeclared (RS0016) to PublicAPI.Unshipped.txt, and removes
# declared symbols that no longer exist (RS0017). Run it after changing a package's public surface, then review the diff.
set -euo pipefail
cd "$(dirname "$0")/.."
for project in "${@:-src/*/}"; do
  project=${project%/}
  log=$(dotnet build "$project" --no-incremental 2>&1 || true)
  file="$project/PublicAPI.Unshipped.txt"
  grep -oP "error RS0016: Symbol '\K.*?(?=' is not part of the declared public API)" <<<"$log" | sort -u >> "$file" || true
  grep -oP "error RS0017: Symbol '\K.*?(?=' is part of the declared API)" <<<"$log" | sort -u | while IFS= read -r gone; do
    grep -vxF -- "$gone" "$file" > "$file.tmp" || true; mv "$file.tmp" "$file"
  done || true
  { head -n1 "$file"; tail -n +2 "$file" | sort -u; } > "$file.tmp" && mv "$file.tmp" "$file"
done
