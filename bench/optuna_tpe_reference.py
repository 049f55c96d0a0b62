#!/usr/bin/python3
"""Optuna's TPE on fixed functions: the reference Grid's TpeSampler is compared with.

Run with Debian's python3 and python3-optuna (Optuna 3.1.0; `scripts/setup.sh test` installs it):
    /usr/bin/python3 bench/optuna_tpe_reference.py [TRIALS [SEEDS]]     # defaults: 30 trials, seeds 0..9
Each seed runs TPESampler(seed=seed) with Optuna's defaults (n_startup_trials 10, 24 EI candidates, univariate),
minimising. Prints one JSON object: {"optuna": version, "trials": n, "functions": {name: {seed: [best value after
each trial, ...]}}}. The functions (tests/Compute.Tests/Search/TpeVersusOptunaTests.cs defines the same ones):
    quadratic_1d     (x - 2)^2, x uniform in [-10, 10]
    bowl_2d          (x - 1)^2 + 10 (log10(y) + 2.5)^2, x uniform in [-5, 5], y log-uniform in [1e-5, 1e-1]
    mixed_3d         ((n - 37) / 10)^2 + (log10(y) + 3)^2 + {64: 0.5, 128: 0, 256: 1}[b],
                     n int-uniform in [2, 64], y log-uniform in [1e-4, 1e-2], b a choice of 64, 128, 256
"""
import json
import math
import sys

import optuna


def quadratic_1d(trial):
    x = trial.suggest_float("x", -10, 10)
    return (x - 2) ** 2


def bowl_2d(trial):
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", 1e-5, 1e-1, log=True)
    return (x - 1) ** 2 + 10 * (math.log10(y) + 2.5) ** 2


def mixed_3d(trial):
    n = trial.suggest_int("n", 2, 64)
    y = trial.suggest_float("y", 1e-4, 1e-2, log=True)
    b = trial.suggest_categorical("b", [64, 128, 256])
    return ((n - 37) / 10) ** 2 + (math.log10(y) + 3) ** 2 + {64: 0.5, 128: 0.0, 256: 1.0}[b]


def best_so_far(function, seed, trials):
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(function, n_trials=trials)
    best, out = math.inf, []
    for trial in study.trials:
        best = min(best, trial.value)
        out.append(best)
    return out


def main():
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    functions = {f.__name__: f for f in (quadratic_1d, bowl_2d, mixed_3d)}
    result = {
        "optuna": optuna.__version__,
        "trials": trials,
        "functions": {name: {str(s): best_so_far(f, s, trials) for s in range(seeds)} for name, f in functions.items()},
    }
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
