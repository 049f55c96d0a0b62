#!/usr/bin/python3
"""Writes scikit-learn's bundled digits and iris tables in every format `grid data add` reads, for the import tests.

Run with Debian's python3 and python3-sklearn (its tables are data nobody in this project wrote), python3-pil for PNGs:
    /usr/bin/python3 tests/data/sklearn-formats.py OUT

The bundled files (beside sklearn/datasets/__init__.py, in data/) have no column names: digits.csv.gz is 1,797 rows of
64 pixel values (8x8, 0..16) and a class 0..9, nothing else; iris.csv starts with a count line that lists the class
names, then 150 rows of 4 measurements and a class 0..2. Rows are written sorted by class (stable), in every format alike, so that an image
folder (read in the ordinal order of its paths, class folder by class folder) holds the same rows in the same order.

OUT/digits/
    digits.csv        header pixel_0_0 .. pixel_7_7,label; numbers as in the bundled file
    digits.csv.gz     the same, gzipped
    x.npy, y.npy      float64 (1797, 64) and int64 (1797,)
    x.idx, y.idx      IDX float64 (0x0E) 1797 x 64, and IDX ubyte labels
    x8.npy, x8.idx    uint8 (1797, 8, 8): the pixels as 8x8 grey images
    images/CLASS/NNNNN.png   8x8 grey PNGs of the same values (not rescaled), one folder per class
OUT/iris/
    iris.csv          header sepal_length,sepal_width,petal_length,petal_width,species (the class names)
    x.npy, y.npy      float64 (150, 4) and unicode strings ('<U10') of the class names
    x.idx, y.idx      IDX float64, and IDX ubyte class numbers 0..2
OUT/formats.json      what was written: rows, shape, classes
"""
import csv
import gzip
import json
import os
import struct
import sys

import numpy as np
from PIL import Image
import sklearn.datasets

DATA = os.path.join(os.path.dirname(sklearn.datasets.__file__), "data")


def read_bundled(name):
    opener = gzip.open if name.endswith(".gz") else open
    with opener(os.path.join(DATA, name), "rt") as f:
        return list(csv.reader(f))


def write_idx(path, array, code):
    dtype = {0x08: ">u1", 0x0E: ">f8"}[code]
    with open(path, "wb") as f:
        f.write(bytes([0, 0, code, array.ndim]))
        f.write(struct.pack(">" + "I" * array.ndim, *array.shape))
        f.write(np.ascontiguousarray(array, dtype=dtype).tobytes())


def write_csv(path, header, rows, opener=open):
    with opener(path, "wt", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def digits(out):
    rows = read_bundled("digits.csv.gz")
    text = [r[:64] for r in rows]
    x = np.array([[float(v) for v in r] for r in text])
    y = np.array([int(float(r[64])) for r in rows], dtype=np.int64)
    order = np.argsort(y, kind="stable")
    text = [text[i] for i in order]
    x, y = x[order], y[order]
    os.makedirs(out, exist_ok=True)
    header = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)] + ["label"]
    lines = [t + [str(label)] for t, label in zip(text, y)]
    write_csv(os.path.join(out, "digits.csv"), header, lines)
    write_csv(os.path.join(out, "digits.csv.gz"), header, lines, gzip.open)
    np.save(os.path.join(out, "x.npy"), x)
    np.save(os.path.join(out, "y.npy"), y)
    write_idx(os.path.join(out, "x.idx"), x, 0x0E)
    write_idx(os.path.join(out, "y.idx"), y.astype(np.uint8), 0x08)
    pixels = x.reshape(-1, 8, 8).astype(np.uint8)
    np.save(os.path.join(out, "x8.npy"), pixels)
    write_idx(os.path.join(out, "x8.idx"), pixels, 0x08)
    for i, (image, label) in enumerate(zip(pixels, y)):
        folder = os.path.join(out, "images", str(label))
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(image, mode="L").save(os.path.join(folder, f"{i:05d}.png"))
    return {"rows": len(y), "features": 64, "image": [1, 8, 8], "classes": int(y.max()) + 1}


def iris(out):
    first, *rows = read_bundled("iris.csv")
    names = first[2:]
    text = [r[:4] for r in rows]
    x = np.array([[float(v) for v in r] for r in text])
    y = np.array([int(r[4]) for r in rows], dtype=np.int64)
    order = np.argsort(y, kind="stable")
    text = [text[i] for i in order]
    x, y = x[order], y[order]
    os.makedirs(out, exist_ok=True)
    header = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    write_csv(os.path.join(out, "iris.csv"), header, [t + [names[label]] for t, label in zip(text, y)])
    np.save(os.path.join(out, "x.npy"), x)
    np.save(os.path.join(out, "y.npy"), np.array([names[label] for label in y]))
    write_idx(os.path.join(out, "x.idx"), x, 0x0E)
    write_idx(os.path.join(out, "y.idx"), y.astype(np.uint8), 0x08)
    return {"rows": len(y), "features": 4, "classes": len(names), "class_names": names}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: sklearn-formats.py OUT")
    out = sys.argv[1]
    summary = {"digits": digits(os.path.join(out, "digits")), "iris": iris(os.path.join(out, "iris"))}
    with open(os.path.join(out, "formats.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
