#!/usr/bin/env bash
# Tries bad inputs at every door of `grid` (spec files, console arguments, data files, HTTP pages) and
# prints a Markdown table: what was tried, the exit code (or HTTP status) and the first line the user sees.
# Used to write docs/reliability.md; run from the repository root after ./grid has been built once.
set -uo pipefail
cd "$(dirname "$0")/.."
GRID=./grid
TMP=$(mktemp -d)
trap 'kill $SILO_PID $REDIS_PID 2>/dev/null; rm -rf "$TMP"' EXIT
export GRID_DATA_DIR=${GRID_DATA_DIR:-$PWD/.artifacts/data}

row() { # description, command...
  local what=$1; shift
  local out code
  out=$("$@" 2>&1 >/dev/null); code=$?
  out=$(printf '%s\n' "$out" | grep -v '^[[:space:]]*$' | head -n 2 | sed 's/^[[:space:]]*//' | paste -sd '~' | sed 's/~/ ⏎ /')
  printf '| %s | `%s` | %s | %s |\n' "$what" "$(echo "${*:2}" | mask | cut -c1-70)" "$code" "$(echo "$out" | mask | sed 's/|/\\|/g' | cut -c1-220)"
}
mask() { # the temporary folder and this run's free ports, which change from run to run
  sed -e "s|$TMP|TMP|g" -e "s|127.0.0.1:${REDIS_PORT:-none}\b|127.0.0.1:PORT|g" -e "s|127.0.0.1:${GATEWAY:-none}\b|127.0.0.1:PORT|g"
}
spec() { # name, body → path
  printf '%s\n' "$2" > "$TMP/$1"; echo "$TMP/$1"
}
BASE='datasets: [mnist]
split: { train: 600, test: 100 }
representations: [pixels]
scalers: [none]
seeds: [0]'

echo '| bad input | command | exit | what the user sees |'
echo '|---|---|---|---|'
row "spec file missing" $GRID run "$TMP/nope.yaml"
row "spec: YAML syntax error" $GRID run "$(spec syntax.yaml "$BASE
k: [10, 20")"
row "spec: a tab indents a line" $GRID run "$(spec tab.yaml "$BASE
kmeans:
  n_init: 3
$(printf '\t')batch_size: 200
k: [10]")"
row "spec: unknown key (typo)" $GRID run "$(spec typo.yaml "$BASE
k: [10]
kmaens: { n_init: 3 }")"
row "spec: k below 2" $GRID run "$(spec k1.yaml "$BASE
k: [1]")"
row "spec: k above the training rows" $GRID run "$(spec kbig.yaml "$BASE
k: [5000]")"
row "spec: split above the data" $GRID run "$(spec splitbig.yaml "datasets: [mnist]
split: { train: 70000 }
representations: [pixels]
scalers: [none]
k: [10]")"
row "spec: inertia as the objective" $GRID run "$(spec objinertia.yaml "$BASE
k: [10]
objective: inertia")"
row "spec: an objective's goal reversed" $GRID run "$(spec objgoal.yaml "$BASE
k: [10]
objective: { metric: silhouette, goal: minimize }")"
AE='datasets: [mnist]
split: { train: 600, test: 100 }
scalers: [none]
k: [10]'
row "spec: asha reduction below 2" $GRID run "$(spec asha1.yaml "$AE
representations: [{ autoencoder: { z_dim: [4, 8] } }]
strategy: { asha: { max_epochs: 9, reduction: 1 } }")"
row "spec: asha min_epochs above max_epochs" $GRID run "$(spec asha2.yaml "$AE
representations: [{ autoencoder: { z_dim: [4, 8] } }]
strategy: { asha: { max_epochs: 3, min_epochs: 9 } }")"
row "spec: asha with another epochs" $GRID run "$(spec asha3.yaml "$AE
representations: [{ autoencoder: { z_dim: 4, epochs: 5 } }]
strategy: { asha: { max_epochs: 9 } }")"
row "spec: unknown strategy option" $GRID run "$(spec asha4.yaml "$AE
representations: [{ autoencoder: { z_dim: 4 } }]
strategy: { asha: { max_epochs: 9, eta: 3 } }")"
row "spec: distribution low ≥ high" $GRID run "$(spec dist1.yaml "$AE
representations: [{ autoencoder: { z_dim: 4, learning_rate: { log_uniform: [1.0e-2, 1.0e-4] } } }]
strategy: { tpe: { trials: 10 } }")"
row "spec: log-uniform bound ≤ 0" $GRID run "$(spec dist2.yaml "$AE
representations: [{ autoencoder: { z_dim: 4, learning_rate: { log_uniform: [0, 1.0e-2] } } }]
strategy: { random: { trials: 10 } }")"
row "spec: distribution with strategy grid" $GRID run "$(spec dist3.yaml "$AE
representations: [{ autoencoder: { z_dim: { int_uniform: [2, 64] } } }]")"
row "spec: empty axis" $GRID run "$(spec empty.yaml "$BASE
k: []")"
row "spec: unknown dataset" $GRID run "$(spec ds.yaml "datasets: [cifar]
representations: [pixels]
scalers: [none]
k: [10]")"
row "spec: unknown scaler" $GRID run "$(spec sc.yaml "datasets: [mnist]
representations: [pixels]
scalers: [minmax]
k: [10]")"
row "spec: z_dim 0" $GRID run "$(spec z.yaml "datasets: [mnist]
representations: [{ autoencoder: { z_dim: 0 } }]
scalers: [none]
k: [10]")"
row "spec: epochs out of range" $GRID run "$(spec ep.yaml "datasets: [mnist]
representations: [{ autoencoder: { z_dim: 2, epochs: 5000 } }]
scalers: [none]
k: [10]")"
row "spec: tol NaN" $GRID run "$(spec nan.yaml "$BASE
k: [10]
kmeans: { tol: .nan }")"
row "spec: shards 0" $GRID run "$(spec sh.yaml "$BASE
k: [10]
kmeans: { shards: 0 }")"
row "spec: warm_start with full k-means" $GRID run "$(spec ws.yaml "$BASE
k: [10]
kmeans: { algorithm: full, warm_start: true }")"
row "spec: too many trials" $GRID run "$(spec many.yaml "datasets: [mnist]
representations: [pixels]
scalers: [none, l2, standard, unit]
k: [{ from: 2, to: 30000 }]
seeds: [0, 1, 2]")"
row "spec: JSON duplicate key" $GRID run "$(spec dup.json '{ "datasets": ["mnist"], "datasets": ["mnist"], "representations": ["pixels"], "scalers": ["none"], "k": [10] }')"
row "spec: not a mapping" $GRID run "$(spec list.yaml "- mnist
- pixels")"
row "bench: k below 2" $GRID bench kmeans --k 1 --limit 600
row "bench: unknown scaler" $GRID bench kmeans --scaler minmax --limit 600
row "bench: --shards with full k-means" $GRID bench kmeans --shards 2 --algorithm full --limit 600
row "bench: --silos without --shards" $GRID bench kmeans --silos 2 --limit 600
row "bench: bad k range" $GRID bench elbow --k 9..3 --limit 600
row "bench: z_dim 0" $GRID bench ae --z-dim 0 --limit 600
row "bench: not a number" $GRID bench kmeans --k ten
row "silo: bad slots" $GRID silo --slots cpu=x
row "silo: no slots" $GRID silo --slots cpu=0
row "silo: port out of range" $GRID silo --silo-port 70000
row "silo: port not a number" $GRID silo --http-port abc
row "silo: negative drain timeout" $GRID silo --drain-timeout -5
row "silo: memory limit not a size" $GRID silo --memory-limit lots
row "data: unknown dataset" $GRID data fetch cifar
# grid data add: each check of an import on a small file (numpy and PIL from Debian's python3-sklearn and python3-pil).
PY=$(command -v /usr/bin/python3 || command -v python3)
IMP=$TMP/import
mkdir -p "$IMP"
printf 'alcohol,ash,class\n1.5,2,a\n1.7,two,b\n1.9,3,a\n' > "$IMP/cell.csv"
printf 'x,y,z\n1,2,3\n4,5\n6,7,8\n' > "$IMP/ragged.csv"
printf 'x,y\n1,2\nNaN,4\n5,inf\n7,8\n' > "$IMP/nan.csv"
printf 'x,y\n1,2\n' > "$IMP/one.csv"
printf 'x,y\n1,2\n3,4\n5,6\n' > "$IMP/good.csv"
{ echo 'x,class'; for i in $(seq 1 300); do echo "$i,k$i"; done; } > "$IMP/many.csv"
"$PY" - "$IMP" <<'PYTHON'
import sys, numpy as np
from PIL import Image
d = sys.argv[1]
np.save(f"{d}/x.npy", np.arange(6.0).reshape(3, 2)); np.save(f"{d}/y.npy", np.arange(2))
np.save(f"{d}/fortran.npy", np.asfortranarray(np.arange(6.0).reshape(3, 2)))
np.save(f"{d}/object.npy", np.array([[1, "a"], [2, "b"]], dtype=object), allow_pickle=True)
for name, size in (("a", (4, 4)), ("b", (4, 4)), ("c", (5, 4))):
    import os; os.makedirs(f"{d}/photos/cats", exist_ok=True)
    Image.new("L", size).save(f"{d}/photos/cats/{name}.png")
PYTHON
row "data add: a cell that is not a number" $GRID data add wine --format csv --train "$IMP/cell.csv" --label class --data-dir "$IMP/data"
row "data add: rows of different lengths" $GRID data add wine --format csv --train "$IMP/ragged.csv" --data-dir "$IMP/data"
row "data add: NaN or infinite values" $GRID data add wine --format csv --train "$IMP/nan.csv" --data-dir "$IMP/data"
row "data add: no such label column" $GRID data add wine --format csv --train "$IMP/ragged.csv" --label class --data-dir "$IMP/data"
row "data add: missing file" $GRID data add wine --format csv --train "$IMP/nope.csv" --data-dir "$IMP/data"
row "data add: unknown format" $GRID data add wine --format xlsx --train "$IMP/cell.csv" --data-dir "$IMP/data"
row "data add: file not in the format" $GRID data add wine --format npy --train "$IMP/cell.csv" --data-dir "$IMP/data"
row "data add: labels not one per row" $GRID data add wine --format npy --train "$IMP/x.npy" --train-labels "$IMP/y.npy" --data-dir "$IMP/data"
row "data add: Fortran-order array" $GRID data add wine --format npy --train "$IMP/fortran.npy" --data-dir "$IMP/data"
row "data add: object array" $GRID data add wine --format npy --train "$IMP/object.npy" --data-dir "$IMP/data"
row "data add: more than 256 classes" $GRID data add wine --format csv --train "$IMP/many.csv" --label class --data-dir "$IMP/data"
row "data add: fewer than 2 rows" $GRID data add wine --format csv --train "$IMP/one.csv" --data-dir "$IMP/data"
row "data add: images of different sizes" $GRID data add pets --format images --train "$IMP/photos" --data-dir "$IMP/data"
row "data add: settings that do not fit" $GRID data add mnist --format npy --train "$IMP/x.npy" --label class --test-fraction 1.5 --data-dir "$IMP/data"
$GRID data add wine --format npy --train "$IMP/x.npy" --data-dir "$IMP/data" > /dev/null 2>&1
row "data add: a taken name, other content" $GRID data add wine --format csv --train "$IMP/good.csv" --data-dir "$IMP/data"
row "data export: a format it does not write" $GRID data export wine --format npy --out "$IMP/out" --data-dir "$IMP/data"
row "data export: unknown dataset" $GRID data export wne --format csv --out "$IMP/out" --data-dir "$IMP/data"
row "output: --json-file in a missing folder" $GRID data list --json-file "$TMP/missing/list.json"
row "output: demo's old --json FILE with --json-file" $GRID demo --json "$TMP/a.json" --json-file "$TMP/b.json"
mkdir -p "$TMP/data/mnist"; head -c 1000 "$GRID_DATA_DIR/mnist/train-images-idx3-ubyte" > "$TMP/data/mnist/train-images-idx3-ubyte" 2>/dev/null
for f in train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do cp "$GRID_DATA_DIR/mnist/$f" "$TMP/data/mnist/" 2>/dev/null; done
row "data: truncated IDX file (re-fetched)" $GRID bench kmeans --k 10 --limit 600 --data-dir "$TMP/data"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
row "sweep: no cluster at the gateway" $GRID sweep status nosuch --gateway 127.0.0.1:1
row "sweep: nothing at --redis" $GRID sweep list --redis 127.0.0.1:1
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no > "$TMP/redis.log" 2>&1 &
REDIS_PID=$!
# Wait for this redis-server itself: another one may hold a port that was free a moment ago.
for _ in $(seq 1 50); do grep -q "Ready to accept connections" "$TMP/redis.log" && break; sleep 0.2; done
row "sweep: Redis holds no silo of the cluster" $GRID sweep list --redis "127.0.0.1:$REDIS_PORT" --cluster-id lab
row "unknown command" $GRID frobnicate

# The silo's doors: its gateway with another cluster id, and HTTP.
HTTP=$(free_port)
GATEWAY=$(free_port)
$GRID silo --http-port "$HTTP" --silo-port 0 --gateway-port "$GATEWAY" --artifacts "$TMP/artifacts" > "$TMP/silo.log" 2>&1 &
SILO_PID=$!
for _ in $(seq 1 120); do curl -s "127.0.0.1:$HTTP/healthz" >/dev/null && break; sleep 0.5; done
row "sweep: a silo of another cluster id at the gateway" $GRID sweep list --gateway "127.0.0.1:$GATEWAY" --cluster-id lab
row "silo: a port a live silo listens on" $GRID silo --http-port "$HTTP" --silo-port 0 --gateway-port 0 --artifacts "$TMP/artifacts"
http() { # description, path
  local code body
  code=$(curl -s -o "$TMP/body" -w '%{http_code}' "127.0.0.1:$HTTP$2"); body=$(head -c 160 "$TMP/body" | tr '\n' ' ' | sed 's/|/\\|/g')
  printf '| %s | `GET %s` | HTTP %s | %s |\n' "$1" "$2" "$code" "$body"
}
http "page: unknown sweep" "/sweeps/nosuch"
http "page: markup in the id" "/sweeps/%3Cscript%3Ealert(1)%3C%2Fscript%3E"
http "api: unknown sweep" "/api/sweeps/nosuch"
http "figure: unknown figure" "/sweeps/nosuch/figures/nothing.png"
http "no such page" "/admin"
