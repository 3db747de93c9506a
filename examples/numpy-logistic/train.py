"""Softmax (multinomial logistic) regression on Fashion-MNIST in plain NumPy, tuned by batchtune.

    npx batchtune run examples/numpy-logistic/study.json

The same protocol as the PyTorch example, with no deep-learning framework at all: the process trainer
only needs a program that reads and writes JSON lines. The gradient is computed by hand, so the noise
scale is cheap to measure: per-example gradients of a linear model are outer products.
"""
import argparse
import gzip
import os
import struct
import sys
import time

import numpy as np

import batchtune_trainer as bt

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--data", default=os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
parser.add_argument("--train", type=int, default=8000)
parser.add_argument("--validation", type=int, default=2000)
parser.add_argument("--eval-every", type=int, default=8192)
parser.add_argument("--max-epochs", type=float, default=20)
args = parser.parse_args()


def read_idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4 : 4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(args.data, name)):
            return os.path.join(args.data, name)
    sys.exit("no %s[.gz] in %s (apt-get install dataset-fashion-mnist, or --data <folder>)" % (stem, args.data))


x_all = read_idx(find("train-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255
y_all = read_idx(find("train-labels-idx1-ubyte")).astype(np.int64)

session = bt.connect(
    objective={"metric": "val_acc", "mode": "max"},
    max_resource={"examples": int(args.max_epochs * args.train)},
    info={"framework": "numpy", "numpy": np.__version__, "model": "softmax regression"},
)

order = np.random.default_rng(0).permutation(len(x_all))
train_x, train_y = x_all[order[: args.train]], y_all[order[: args.train]]
val_x, val_y = x_all[order[args.train : args.train + args.validation]], y_all[order[args.train : args.train + args.validation]]

rng = np.random.default_rng(session.seed)
weights = rng.normal(0, 0.01, size=(784, 10)).astype(np.float32)
bias = np.zeros(10, dtype=np.float32)
shuffled, at = rng.permutation(args.train), 0


def next_rows(size):
    global shuffled, at
    parts = []
    while size > 0:
        if at == args.train:
            shuffled, at = rng.permutation(args.train), 0
        take = min(size, args.train - at)
        parts.append(shuffled[at : at + take])
        at, size = at + take, size - take
    return np.concatenate(parts)


def softmax(logits):
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def gradient(x, y):
    """Mean cross-entropy loss and its gradient for (weights, bias), and the rows classified right."""
    p = softmax(x @ weights + bias)
    loss = -np.log(p[np.arange(len(y)), y] + 1e-12).mean()
    right = int((p.argmax(axis=1) == y).sum())
    p[np.arange(len(y)), y] -= 1
    p /= len(y)
    return loss, x.T @ p, p.sum(axis=0), right


def evaluate():
    p = softmax(val_x @ weights + bias)
    return {"val_loss": float(-np.log(p[np.arange(len(val_y)), val_y] + 1e-12).mean()), "val_acc": float((p.argmax(axis=1) == val_y).mean())}


for request in session.requests():
    loss_sum, correct, steps, examples = 0.0, 0, 0, 0
    next_report = (session.progress["examples"] // args.eval_every + 1) * args.eval_every
    while request.should_step():
        rows = next_rows(request.batch_size)
        x, y = train_x[rows], train_y[rows]
        if session.should_measure_noise():
            k = session.noise_scale["microBatches"]
            b = request.batch_size // k
            parts = [gradient(x[i * b : (i + 1) * b], y[i * b : (i + 1) * b]) for i in range(k)]
            gw, gb = sum(p[1] for p in parts) / k, sum(p[2] for p in parts) / k
            loss, right = sum(p[0] for p in parts) / k, sum(p[3] for p in parts)
            session.gradient_norms(b, [float((p[1] ** 2).sum() + (p[2] ** 2).sum()) for p in parts], float((gw ** 2).sum() + (gb ** 2).sum()))
        else:
            loss, gw, gb, right = gradient(x, y)
        lr = request.learning_rate_at(session.progress["examples"])
        weights -= lr * gw
        bias -= lr * gb
        loss_sum, correct, steps, examples = loss_sum + loss, correct + right, steps + 1, examples + len(rows)
        session.step(request.batch_size)
        if session.progress["examples"] >= next_report and request.should_step():
            next_report = (session.progress["examples"] // args.eval_every + 1) * args.eval_every
            session.report({**evaluate(), "train_loss": loss_sum / steps, "train_acc": correct / examples})
            loss_sum, correct, steps, examples = 0.0, 0, 0, 0
    if not session.should_stop():
        metrics = evaluate()
        if steps:
            metrics.update(train_loss=loss_sum / steps, train_acc=correct / examples)
        session.report(metrics)
