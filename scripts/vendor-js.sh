#!/usr/bin/env bash
# Rebuilds src/baliza/web/static/vendor/ from npm at the pinned versions below.
#   scripts/vendor-js.sh          install into a temp dir, copy the browser builds + licences, write SHA256SUMS
#   scripts/vendor-js.sh --check  install into a temp dir and compare with the committed files; changes nothing
# Node and npm are needed only to run this script, never to run Baliza. When bumping a version, update
# vendor/README.md too (tests/unit/web/test_static_assets.py checks that the two agree).
set -euo pipefail

HTMX_VERSION=2.0.11
HTMX_SSE_VERSION=2.2.4
UPLOT_VERSION=1.6.32
ECHARTS_VERSION=5.6.0

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/src/baliza/web/static/vendor"
mode="${1:-write}"
case "$mode" in write | --check) ;; *) echo "usage: $0 [--check]" >&2; exit 2 ;; esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
printf '{"name":"baliza-vendor","private":true}\n' > package.json
# --ignore-scripts: nothing from the registry runs on this machine; we only copy files out.
npm install --no-audit --no-fund --ignore-scripts --save-exact \
    "htmx.org@$HTMX_VERSION" "htmx-ext-sse@$HTMX_SSE_VERSION" "uplot@$UPLOT_VERSION" "echarts@$ECHARTS_VERSION"

nm="$work/node_modules"
out="$work/out"
mkdir -p "$out"
# upstream file -> vendored name. ECharts bundles zrender (BSD-3-Clause), tslib (0BSD) and parts of d3
# (BSD-3-Clause), so their licences travel with it, as does the Apache NOTICE.
while read -r src name; do
    cp "$nm/$src" "$out/$name"
done <<LIST
htmx.org/dist/htmx.min.js htmx.min.js
htmx.org/LICENSE htmx.LICENSE
htmx-ext-sse/dist/sse.js sse.js
htmx-ext-sse/LICENSE sse.LICENSE
uplot/dist/uPlot.iife.min.js uPlot.iife.min.js
uplot/dist/uPlot.min.css uPlot.min.css
uplot/LICENSE uPlot.LICENSE
echarts/dist/echarts.min.js echarts.min.js
echarts/LICENSE echarts.LICENSE
echarts/NOTICE echarts.NOTICE
echarts/licenses/LICENSE-d3 echarts-d3.LICENSE
zrender/LICENSE echarts-zrender.LICENSE
tslib/LICENSE.txt echarts-tslib.LICENSE
LIST
(cd "$out" && LC_ALL=C sha256sum -- * > SHA256SUMS)

if [ "$mode" = "--check" ]; then
    # Every upstream file must match the committed copy byte for byte.
    (cd "$dest" && sha256sum --check --strict "$out/SHA256SUMS")
    diff "$out/SHA256SUMS" "$dest/SHA256SUMS"
    echo "vendor/ matches npm at the pinned versions"
    exit 0
fi

mkdir -p "$dest"
cp "$out"/* "$dest"/
echo "vendor/ written:"
cat "$dest/SHA256SUMS"
du -sh "$dest"
