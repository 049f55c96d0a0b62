#!/usr/bin/env bash
# Builds everything and runs every test project; ends with one line "tests: N passed, N failed, N skipped".
# Does all set-up on a fresh Debian 12 machine (apt packages, MNIST into the data directory).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

scripts/setup.sh test
export GRID_DATA_DIR="${GRID_DATA_DIR:-$root/.artifacts/data}"
./grid data fetch mnist
./grid data fetch fashion-mnist
# scikit-learn's digits and iris in every import format, for the examples on them (examples/digits-*.yaml, iris-unlabeled.yaml).
/usr/bin/python3 tests/data/sklearn-formats.py examples/data > /dev/null
# …and as Parquet (Python here has no Parquet writer): digits imported from its CSV, then exported (examples/digits-parquet.yaml).
./grid data add digits --format csv --train examples/data/digits/digits.csv --label label --data-dir examples/data/datasets --replace > /dev/null
./grid data export digits --format parquet --out examples/data/digits/parquet --data-dir examples/data/datasets > /dev/null

results="$root/.artifacts/test-results"
rm -rf "$results"
dotnet build Grid.sln -c Release --nologo -v quiet -clp:ErrorsOnly
set +e
dotnet test Grid.sln -c Release --no-build --nologo --logger "trx" --results-directory "$results"
status=$?
set -e

passed=0 failed=0 skipped=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
done
if ((passed + failed == 0)) && ((status != 0)); then
  failed=1
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
