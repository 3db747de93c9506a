#!/usr/bin/env bash
# The packed package installed the default way (optional dependencies included, as `npm install batchtune`
# does), then used as a user would from that folder with no tsx: the installed bin trains a small
# TensorFlow.js study on the mnist digits, says in one line which backend it used and why, and never
# prints TensorFlow.js's "running in Node.js" banner. The light install (--omit=optional) is covered by
# test/package/consumer.test.ts. Prints the measured install size. Usage: test/package/default-install.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -f "$root/dist/bin/cli.js" ] || npm --prefix "$root" run build >/dev/null
tarball=$(cd "$root" && npm pack --ignore-scripts --pack-destination "$work" --json | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8"))[0].filename)')
cd "$work"
echo '{ "name": "consumer", "private": true }' > package.json
npm install --prefer-offline --no-audit --no-fund --loglevel=error "$work/$tarball"
if [ -e node_modules/tsx ]; then echo "FAIL: tsx was installed with batchtune" >&2; exit 1; fi
echo "default install (npm install batchtune): $(du -sh node_modules | cut -f1) on disk"

cat > tfjs.json <<'JSON'
{ "seed": 1, "budget": { "unit": "examples", "limit": 2000 },
  "space": { "batchSize": [32, 64], "learningRate": 0.05 },
  "strategy": { "type": "grid", "maxResource": 1000 },
  "trainer": { "type": "tfjs", "task": "classification", "model": { "type": "mlp", "hidden": [16] },
               "data": { "type": "mnist", "train": 500, "validation": 200 }, "evalEvery": 500 } }
JSON
for backend in auto cpu; do
  sed "s/\"task\"/\"backend\": \"$backend\", \"task\"/" tfjs.json > "tfjs-$backend.json"
  status=0
  ./node_modules/.bin/batchtune run "tfjs-$backend.json" --json --journal "$backend.jsonl" > out.json 2> err.txt || status=$?
  cat err.txt >&2
  if [ "$status" != 0 ]; then echo "FAIL: the tfjs study ($backend) exited $status" >&2; exit 1; fi
  if grep -q "looks like you are running TensorFlow.js" err.txt out.json; then echo "FAIL: TensorFlow.js's banner reached the user" >&2; exit 1; fi
  if ! grep -q "^backend: " err.txt; then echo "FAIL: no line saying which backend trained" >&2; exit 1; fi
  node -e 'const s = JSON.parse(require("fs").readFileSync("out.json", "utf8")); if (!s.best) process.exit(1); console.log(`tfjs study (${process.argv[1]}): backend ${s.trainerInfo.backend}, best batch size ${s.best.params.batchSize}`)' "$backend"
done
echo "default install: OK"
