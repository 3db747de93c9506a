#!/usr/bin/env bash
# An automated tuning step: validate the config, run the search with --json, read the best
# parameters from stdout and branch on the exit code (0 ok, 1 the search failed, 2 bad input).
set -u
config=${1:-examples/tabular/grid.json}
out=$(mktemp)

if ! npx batchtune validate "$config"; then
  echo "pipeline: config rejected, fix it and retry" >&2
  exit 2
fi

npx batchtune run "$config" --json --quiet --journal "${JOURNAL:-$(mktemp -u).jsonl}" > "$out"
status=$?
case $status in
  0) ;;
  2) echo "pipeline: bad input (exit 2)" >&2; exit 2 ;;
  *) echo "pipeline: search failed (exit $status); partial summary in $out" >&2; exit 1 ;;
esac

if command -v jq > /dev/null; then
  batch=$(jq -r '.best.params.batchSize' "$out")
  lr=$(jq -r '.best.params.learningRate' "$out")
  value=$(jq -r '.best.value' "$out")
else
  read -r batch lr value < <(node -e 'const s=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(s.best.params.batchSize,s.best.params.learningRate,s.best.value)' "$out")
fi
echo "BATCH_SIZE=$batch"
echo "LEARNING_RATE=$lr"
echo "BEST_VALUE=$value"
