"""PyTorch baseline for bench/trainer-throughput: the same MLP, optimizer and data, on TORCH_THREADS threads (1).

Reads the training set that the benchmark wrote (float32 rows, one-hot float32 labels) and then
answers commands on stdin, one JSON object per line, so the benchmark can alternate its runs:
  {"cmd": "train", "batch": 8, "examples": 4000}  -> {"examples_per_second": ...}
  {"cmd": "sgemm", "m": 2048, "k": 2048, "n": 2048} -> {"gflops": ...}  (best of 5 products)
"""
import json
import os
import sys
import time

import numpy as np
import torch

torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))
torch.manual_seed(1)

x_path, y_path, rows, features, outputs, lr = sys.argv[1:7]
rows, features, outputs, lr = int(rows), int(features), int(outputs), float(lr)
x = torch.from_numpy(np.fromfile(x_path, dtype=np.float32).reshape(rows, features))
labels = torch.from_numpy(np.fromfile(y_path, dtype=np.float32).reshape(rows, outputs).argmax(axis=1))


def train(batch, examples):
    model = torch.nn.Sequential(
        torch.nn.Linear(features, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, outputs),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    order = torch.randperm(rows)
    position = 0
    seen = 0
    start = time.perf_counter()
    while seen + batch <= examples:
        if position + batch > rows:
            order = torch.randperm(rows)
            position = 0
        index = order[position:position + batch]
        position += batch
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[index]), labels[index])
        loss.backward()
        optimizer.step()
        seen += batch
    loss.item()
    return seen / (time.perf_counter() - start)


def sgemm(m, k, n):
    a = torch.randn(m, k)
    b = torch.randn(k, n)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * m * k * n / best / 1e9


# Debian's torch calls the system BLAS (libblas.so.3): reference BLAS unless OpenBLAS is installed.
blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas}), flush=True)
for line in sys.stdin:
    command = json.loads(line)
    if command["cmd"] == "train":
        print(json.dumps({"examples_per_second": train(command["batch"], command["examples"])}), flush=True)
    elif command["cmd"] == "sgemm":
        print(json.dumps({"gflops": sgemm(command["m"], command["k"], command["n"])}), flush=True)
