#!/usr/bin/env bash
# Fetch the browser libraries the web app enhances itself with (htmx for typeahead, vega/vega-lite/
# vega-embed for interactive charts, swagger-ui-dist for /api/v1/docs) from the npm registry into web/static/vendor/ (not committed).
# Pages work without them: search submits a form, charts are server-rendered SVG.
set -euo pipefail
dest="src/immunograde/web/static/vendor"
[ -f "$dest/.complete-2" ] && exit 0
if ! command -v npm >/dev/null 2>&1; then
  echo "npm not found: skipping the optional browser libraries (pages still work without JavaScript)" >&2
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack --silent htmx.org@2.0.11 vega@5.33.1 vega-lite@5.23.0 vega-embed@6.29.0 swagger-ui-dist@5.36.0 >/dev/null )
mkdir -p "$dest"
: > "$dest/VERSIONS"
for pkg in "$tmp"/*.tgz; do mkdir -p "$tmp/x" && tar xzf "$pkg" -C "$tmp/x" && \
  { cp "$tmp"/x/package/dist/htmx.min.js "$dest/" 2>/dev/null || true; \
    cp "$tmp"/x/package/build/vega.min.js "$tmp"/x/package/build/vega-lite.min.js \
       "$tmp"/x/package/build/vega-embed.min.js "$dest/" 2>/dev/null || true; \
    cp "$tmp"/x/package/swagger-ui-bundle.js "$tmp"/x/package/swagger-ui.css "$dest/" 2>/dev/null || true; \
    name=$(python3 -c "import json,sys;d=json.load(open('$tmp/x/package/package.json'));print(d['name'],d['version'],d.get('license',''))"); \
    echo "$name" >> "$dest/VERSIONS"; rm -rf "$tmp/x"; }; done
touch "$dest/.complete-2"
ls "$dest"
