#!/usr/bin/python3
"""scikit-learn reference timings on the same machine, for `grid bench kmeans` comparisons.

Run with Debian's python3 and python3-sklearn (scikit-learn 1.2.1):
    /usr/bin/python3 bench/sklearn_reference.py DATA_DIR/mnist minibatch none
    /usr/bin/python3 bench/sklearn_reference.py DATA_DIR/mnist minibatch l2
    /usr/bin/python3 bench/sklearn_reference.py DATA_DIR/mnist full none
    /usr/bin/python3 bench/sklearn_reference.py DATA_DIR/mnist elbow none   # k = 2..250, n_init 1, independent fits
    /usr/bin/python3 bench/sklearn_reference.py DATA_DIR/digits imported standard 10,20,40   # a dataset `grid data add` imported
The imported mode reads the dataset's stored rows (train.npy, test.npy and their labels: the rows Grid clusters) and
fits KMeans (n_init 10) and MiniBatchKMeans (batch 200, n_init 3) at each k, printing the test error of each.
Prints one JSON object with fit_seconds, train_error, test_error, inertia, n_iter (elbow: total
seconds and the inertia per k, one progress line per k on stderr).
"""
import gzip
import json
import os
import sys
import time

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.preprocessing import Normalizer, StandardScaler


def read_idx(path):
    opener = gzip.open if not os.path.exists(path) else open
    path = path if os.path.exists(path) else path + ".gz"
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def imported(directory, scaler, ks, seed):
    x_train = np.load(os.path.join(directory, "train.npy")).astype(np.float64)
    x_test = np.load(os.path.join(directory, "test.npy")).astype(np.float64)
    x_train, x_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    y_train = np.load(os.path.join(directory, "train-labels.npy"))
    y_test = np.load(os.path.join(directory, "test-labels.npy"))
    if scaler == "l2":
        x_train, x_test = Normalizer().fit_transform(x_train), Normalizer().fit_transform(x_test)
    elif scaler == "standard":
        s = StandardScaler().fit(x_train)
        x_train, x_test = s.transform(x_train), s.transform(x_test)
    classes = int(max(y_train.max(), y_test.max())) + 1
    rows = []
    for k in ks:
        row = {"k": k}
        for name, model in (("full", KMeans(n_clusters=k, n_init=10, random_state=seed)),
                            ("minibatch", MiniBatchKMeans(n_clusters=k, batch_size=200, n_init=3, random_state=seed))):
            model.fit(x_train)
            labels = np.array([np.bincount(y_train[model.labels_ == c], minlength=classes).argmax() if np.any(model.labels_ == c) else 0
                               for c in range(k)])
            row[name + "_test_error"] = round(float(np.mean(labels[model.predict(x_test)] != y_test)), 5)
        rows.append(row)
    print(json.dumps({"dataset": directory, "scaler": scaler, "seed": seed, "rows": rows}))


def main():
    if len(sys.argv) > 2 and sys.argv[2] == "imported":
        imported(sys.argv[1], sys.argv[3], [int(k) for k in sys.argv[4].split(",")], int(sys.argv[5]) if len(sys.argv) > 5 else 0)
        return
    directory, algorithm, scaler = sys.argv[1], sys.argv[2], sys.argv[3]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    x_train = read_idx(os.path.join(directory, "train-images-idx3-ubyte")).reshape(-1, 784).astype(np.float64)
    y_train = read_idx(os.path.join(directory, "train-labels-idx1-ubyte"))
    x_test = read_idx(os.path.join(directory, "t10k-images-idx3-ubyte")).reshape(-1, 784).astype(np.float64)
    y_test = read_idx(os.path.join(directory, "t10k-labels-idx1-ubyte"))
    if scaler == "l2":
        x_train, x_test = Normalizer().fit_transform(x_train), Normalizer().fit_transform(x_test)
    elif scaler == "standard":
        s = StandardScaler().fit(x_train)
        x_train, x_test = s.transform(x_train), s.transform(x_test)
    if algorithm == "elbow":
        start = time.perf_counter()
        curve = []
        for k in range(2, 251):
            model = MiniBatchKMeans(n_clusters=k, batch_size=200, n_init=1, random_state=seed).fit(x_train)
            curve.append({"k": k, "inertia": float(model.inertia_), "steps": int(model.n_steps_)})
            print(f"k={k} {time.perf_counter() - start:.1f}s", file=sys.stderr, flush=True)
        print(json.dumps({"algorithm": "elbow", "scaler": scaler, "total_seconds": round(time.perf_counter() - start, 1), "curve": curve}))
        return
    if algorithm == "minibatch":
        model = MiniBatchKMeans(n_clusters=225, batch_size=200, n_init=3, random_state=seed)
    else:
        model = KMeans(n_clusters=25, n_init=10, max_iter=50, tol=1e-3, random_state=seed)
    start = time.perf_counter()
    model.fit(x_train)
    seconds = time.perf_counter() - start
    labels = np.zeros(model.n_clusters, dtype=np.int64)
    for c in range(model.n_clusters):
        members = y_train[model.labels_ == c]
        labels[c] = np.bincount(members, minlength=10).argmax() if len(members) else 0
    train_error = float(np.mean(labels[model.labels_] != y_train))
    test_error = float(np.mean(labels[model.predict(x_test)] != y_test))
    print(json.dumps({"algorithm": algorithm, "scaler": scaler, "seed": seed, "fit_seconds": round(seconds, 3),
                      "train_error": round(train_error, 5), "test_error": round(test_error, 5),
                      "inertia": float(model.inertia_), "n_iter": int(model.n_iter_)}))


if __name__ == "__main__":
    main()
