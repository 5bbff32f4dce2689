#!/usr/bin/env bash
# Regenerate docs/reference/: one rendered page of the example PDF per kind of table layout,
# and one narrative page, for people to see what yusuan's PDF looks like.
set -euo pipefail
cd "$(dirname "$0")/.."
pdf=${1:-out/disclosure.pdf}
[ -f "$pdf" ] || .venv/bin/yusuan build examples/jiefang-hrss-2025/budget.yaml -o out --format pdf
pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
first_page() {  # the first page (after the contents) whose text starts a table number
  for ((p = 3; p <= pages; p++)); do
    if pdftotext -f "$p" -l "$p" -layout "$pdf" - | grep "^\s*$1\s*$" >/dev/null; then echo "$p"; return; fi
  done
}
render() {  # page, name
  pdftoppm -f "$1" -l "$1" -r 60 -gray -png "$pdf" "/tmp/ref-$$"
  mv "/tmp/ref-$$"-*.png "docs/reference/$2.png"
}
mkdir -p docs/reference
render 3 narrative
for number in 预算01表 预算02表 预算03表 预算06表 预算08表 预算14表 预算15表; do
  render "$(first_page "$number")" "$number"
done
ls -la docs/reference
