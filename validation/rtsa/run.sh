#!/usr/bin/env bash
# Regenerate ref_rtsa.json with R's RTSA 0.2.2 (not in Debian: see README.md for the install step).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! Rscript -e 'suppressPackageStartupMessages(library(RTSA)); stopifnot(packageVersion("RTSA") == "0.2.2")' >/dev/null 2>&1; then
  echo "RTSA 0.2.2 is not installed (set R_LIBS to a library holding it; see $here/README.md)" >&2
  exit 1
fi
Rscript "$here/ref_rtsa.R"
