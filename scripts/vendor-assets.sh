#!/usr/bin/env bash
# Refresh the browser libraries in api/static/vendor from npm (versions pinned in assets/package.json).
# The copies are committed, so running Jieyue needs neither Node nor the internet.
set -euo pipefail
cd "$(dirname "$0")/../assets"
npm install --no-audit --no-fund
cp node_modules/mermaid/dist/mermaid.min.js node_modules/echarts/dist/echarts.min.js ../api/static/vendor/
cp node_modules/mermaid/LICENSE ../api/static/vendor/mermaid.LICENSE
cp node_modules/echarts/LICENSE ../api/static/vendor/echarts.LICENSE
echo "vendored: $(ls ../api/static/vendor)"
