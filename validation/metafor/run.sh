#!/usr/bin/env bash
# Regenerate every reference JSON in this folder by running each R script with R's metafor.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
Rscript -e 'cat("metafor", as.character(packageVersion("metafor")), "\n")'
for script in "$here"/*.R; do
  echo "== $(basename "$script")"
  SHARED_DATA="${IMMUNOGRADE_SHARED:-$here/../../../shared}/data" Rscript "$script"
done
# reference values for the appraisal layer (metafor on the knowledge base's BCG and severe-CAP questions)
echo "== tests/evidence/reference/appraise_metafor.R"
( cd "$here/../.." && SHARED_DATA="${IMMUNOGRADE_SHARED:-$here/../../../shared}/data" Rscript tests/evidence/reference/appraise_metafor.R )
