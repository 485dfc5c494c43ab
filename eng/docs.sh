#!/usr/bin/env bash
# Builds the documentation site (docs/_site) with DocFX: the API reference from the packages' XML docs and the
# articles in docs/. Any DocFX warning (a broken link, an unresolved cross-reference, a bad TOC entry) fails it.
#
#   bash eng/docs.sh            # build docs/_site
#   bash eng/docs.sh --serve    # build, then serve it on http://localhost:8080
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore >/dev/null
rm -rf docs/_site docs/api/*.yml docs/api/.manifest
dotnet docfx metadata docs/docfx.json --warningsAsErrors
dotnet docfx build docs/docfx.json --warningsAsErrors
if [ "${1:-}" = "--serve" ]; then
  dotnet docfx serve docs/_site
fi
