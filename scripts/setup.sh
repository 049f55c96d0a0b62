#!/usr/bin/env bash
# Installs what Grid needs on a Debian 12 machine, idempotently: nothing is installed twice,
# and apt-get update runs only when something is missing.
#   scripts/setup.sh run    what `./grid` needs (the .NET SDK, npm and a font for the figures)
#   scripts/setup.sh test   also what the tests need
set -euo pipefail

mode="${1:-run}"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK is not installed (https://dot.net); install it and run again" >&2
  exit 1
fi

# fonts-dejavu-core: the sans-serif the figures (ScottPlot/SkiaSharp) are drawn with.
packages=(npm fonts-dejavu-core)
if [[ "$mode" == "test" ]]; then
  # chromium: the end-to-end test of the live results pages drives it headless.
  # python3-sklearn, python3-pil: tests/data/sklearn-formats.py writes scikit-learn's bundled tables (digits, iris) in
  # every format `grid data add` reads, PNGs included, for the import tests (Debian's python3 at /usr/bin/python3).
  # python3-optuna: bench/optuna_tpe_reference.py runs Optuna 3.1's TPE, the reference the TPE sampler's test compares with.
  packages+=(dataset-fashion-mnist redis-server prometheus chromium python3-sklearn python3-pil python3-optuna)
fi

missing=()
for package in "${packages[@]}"; do
  # npm may come with the machine's own Node.js rather than Debian's package.
  if [[ "$package" == npm ]] && command -v npm >/dev/null 2>&1; then
    continue
  fi
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

# tests/Deploy.Tests renders deploy/k8s with `kubectl kustomize`. A kubectl already on PATH is used as it
# is (the machine image has 1.32 with kustomize v5); only when there is none, Debian's kubernetes-client
# is installed. Debian 12's is 1.20, whose kustomize v2 cannot render the overlays (labels, components,
# replacements): the tests then say so, and a kubectl ≥ 1.27 from Kubernetes' own packages is needed.
if [[ "$mode" == "test" ]] && ! command -v kubectl >/dev/null 2>&1; then
  missing+=(kubernetes-client)
fi

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    sudo="sudo"
  fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
