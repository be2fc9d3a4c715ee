#!/usr/bin/env python3
"""The PyTorch peer for `deploy/bench compute` and `deploy/bench time-to-accuracy` (see docs/BENCHMARKS.md).

The same layer shapes as conf/fashion-mnist-mlp.conf and conf/fashion-mnist-cnn.conf, Adam on each config's
learning-rate schedule, its training-image augmentation (data.augment), a global batch of 128, on the full
Fashion-MNIST read from Debian's dataset-fashion-mnist IDX files, pixels scaled to [0, 1] as spark-ddp's IDX reader
does. Prints one JSON line per measurement on standard output; everything else goes to standard error.

  torch-peer.py info
  torch-peer.py throughput --model mlp|cnn --processes P --threads T [--warmup W] [--iterations N]
  torch-peer.py time-to-accuracy --model mlp|cnn --processes P --threads T [--epochs E] [--targets A,B,...]

--processes 2 runs DDP over gloo (init_method tcp://127.0.0.1, a free port), 64 examples per rank per step. The
caller pins OMP_NUM_THREADS and OPENBLAS_NUM_THREADS to T in the environment; torch.set_num_threads(T) is set here
too. Initial weights are PyTorch's defaults: the figures are speeds and accuracy curves, not a replica of our runs.
glibc reads its allocator settings at start-up, so the caller sets them too: `deploy/bench` runs each throughput with
MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=1000000000 and with glibc's defaults and keeps the faster
(with the defaults, freed tensors go back to the kernel and page-fault in again each step; see docs/BENCHMARKS.md).
"""
import argparse
import gzip
import json
import os
import socket
import subprocess
import sys
import time

DATA = "/usr/share/datasets/fashion-mnist"
GLOBAL_BATCH = 128
# Bounds every wait: a rank that has not joined or finished by then is a failure, never a hang.
JOIN_TIMEOUT_S = 120
RUN_TIMEOUT_S = 3600


def emit(record):
    print(json.dumps(record, sort_keys=True), flush=True)


def fail(message):
    print("torch-peer: " + message, file=sys.stderr, flush=True)
    sys.exit(1)


def read_idx(name):
    """The IDX file `name` (gzipped) as a numpy array: images N x 28 x 28 or labels N, as uint8."""
    import numpy as np
    path = os.path.join(DATA, name)
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        fail(f"cannot read {path} ({e}); install dataset-fashion-mnist")
    magic = int.from_bytes(raw[0:4], "big")
    dims = magic & 0xFF
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(split):
    """Features as float32 in [0, 1] (x / 255, as spark-ddp's UnsignedByteFeatures) with a channel axis; labels."""
    import torch
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(f"{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(f"{prefix}-labels-idx1-ubyte.gz")
    x = torch.from_numpy(images.astype("float32") / 255.0).unsqueeze(1)
    y = torch.from_numpy(labels.astype("int64"))
    return x, y


def build(model):
    """The config's network; its learning rate and schedule (a factor of the rate by iteration, as our optimizer
    block's); and its training-image augmentation (flip, max shift), as its data.augment block's."""
    import math
    from torch import nn
    if model == "mlp":
        # conf/fashion-mnist-mlp.conf: 784-256-128-10 ReLU, softmax + cross-entropy, Adam 1e-3 halved every 2345
        # iterations (5 epochs of 469), no augmentation
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                            nn.Linear(128, 10))
        return net, 1e-3, lambda i: 0.5 ** (i // 2345), (False, 0)
    # conf/fashion-mnist-cnn.conf: DL4J's conv layer applies its activation, then batch norm, then pooling.
    net = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(32), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(64), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 256), nn.ReLU(), nn.Dropout(0.4), nn.Linear(256, 10))
    # Adam 0.002 on a cosine schedule stepped every 469 iterations (an epoch) over 24 epochs (11,256 iterations), as
    # spark-ddp's MapSchedule: the factor (1 + cos(pi * i0 / 11256)) / 2 at each step's first iteration i0, the last
    # step's from there on. Training images flipped at random and shifted by up to 1 pixel.
    step, length = 469, 11256
    last = (length - 1) // step * step
    return net, 2e-3, lambda i: (1 + math.cos(math.pi * min(i // step * step, last) / length)) / 2, (True, 1)


def augment(torch, x, flip, max_shift, generator):
    """As data.augment: each image mirrored left to right with probability 1/2, then moved by dy, dx drawn uniformly
    from [-max_shift, max_shift], the uncovered edge filled with 0. A new draw for every example of every step."""
    n = x.shape[0]
    if flip:
        mirrored = torch.rand(n, generator=generator) < 0.5
        x = torch.where(mirrored.view(n, 1, 1, 1), x.flip(3), x)
    if max_shift > 0:
        s = max_shift
        height, width = x.shape[2], x.shape[3]
        padded = torch.nn.functional.pad(x, (s, s, s, s))
        dy = torch.randint(-s, s + 1, (n,), generator=generator)
        dx = torch.randint(-s, s + 1, (n,), generator=generator)
        out = torch.empty_like(x)
        for oy in range(-s, s + 1):
            for ox in range(-s, s + 1):
                rows = ((dy == oy) & (dx == ox)).nonzero().flatten()
                if len(rows):
                    # out[y, x] = in[y - dy, x - dx]: the window of the padded image that starts at (s - dy, s - dx)
                    out[rows] = padded[rows, :, s - oy:s - oy + height, s - ox:s - ox + width]
        x = out
    return x


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch_ranks(args):
    """Runs this script once per rank (rank 0's standard output is ours) and waits, bounded, for all of them."""
    port = free_port()
    children = []
    for rank in range(args.processes):
        command = [sys.executable, os.path.abspath(__file__)] + sys.argv[1:] + [
            "--rank", str(rank), "--port", str(port)]
        children.append(subprocess.Popen(command, stdout=None if rank == 0 else subprocess.DEVNULL))
    deadline = time.monotonic() + RUN_TIMEOUT_S
    codes = []
    for child in children:
        try:
            codes.append(child.wait(timeout=max(1, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            for c in children:
                c.kill()
            fail(f"a DDP rank ran past {RUN_TIMEOUT_S} s; check the ranks' standard error above")
    if any(codes):
        fail(f"DDP ranks exited with {codes}; check their standard error above")


def setup(args):
    """Threads, the process group (when distributed), the data and the model. Returns a context dict."""
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(42 + args.rank)
    distributed = args.processes > 1
    if distributed:
        import datetime
        import torch.distributed as dist
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{args.port}", rank=args.rank,
                                world_size=args.processes, timeout=datetime.timedelta(seconds=JOIN_TIMEOUT_S))
    net, lr, factor, (flip, max_shift) = build(args.model)
    if distributed:
        torch.manual_seed(42)  # DDP broadcasts rank 0's weights anyway; the seed keeps the runs repeatable
        net = torch.nn.parallel.DistributedDataParallel(net)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    x, y = load("train")
    return {"torch": torch, "net": net, "optimizer": optimizer, "schedule": schedule, "x": x, "y": y,
            "distributed": distributed, "per_rank": GLOBAL_BATCH // args.processes, "flip": flip,
            "max_shift": max_shift, "augment_random": torch.Generator().manual_seed(42 + args.rank)}


def train_step(ctx, rows, augmented=False):
    """One optimizer step on `rows`; `augmented`: the recipe's augmentation first (time to accuracy). Throughput
    measures the step alone, as the engine's single-process step does (about 3 ms per 64 images when augmented)."""
    torch = ctx["torch"]
    ctx["optimizer"].zero_grad(set_to_none=True)
    x = ctx["x"][rows]
    if augmented:
        x = augment(torch, x, ctx["flip"], ctx["max_shift"], ctx["augment_random"])
    loss = torch.nn.functional.cross_entropy(ctx["net"](x), ctx["y"][rows])
    loss.backward()
    ctx["optimizer"].step()
    ctx["schedule"].step()
    return loss


def rank_rows(args, ctx, order, step):
    """This rank's share of global batch `step` of the epoch permutation `order`."""
    start = step * GLOBAL_BATCH + args.rank * ctx["per_rank"]
    return order[start:start + ctx["per_rank"]]


def barrier(ctx):
    if ctx["distributed"]:
        import torch.distributed as dist
        dist.barrier()


def throughput(args):
    ctx = setup(args)
    torch = ctx["torch"]
    generator = torch.Generator().manual_seed(42)
    order = torch.randperm(ctx["x"].shape[0], generator=generator)
    steps_per_epoch = ctx["x"].shape[0] // GLOBAL_BATCH
    ctx["net"].train()
    for i in range(args.warmup):
        train_step(ctx, rank_rows(args, ctx, order, i % steps_per_epoch))
    barrier(ctx)
    start = time.perf_counter()
    for i in range(args.iterations):
        train_step(ctx, rank_rows(args, ctx, order, (args.warmup + i) % steps_per_epoch))
    barrier(ctx)
    seconds = time.perf_counter() - start
    if args.rank == 0:
        emit({"kind": "throughput", "model": args.model, "processes": args.processes, "threads": args.threads,
              "iterations": args.iterations, "seconds": round(seconds, 4),
              "samples_per_second": round(args.iterations * GLOBAL_BATCH / seconds, 1)})


def evaluate(args, ctx, x_test, y_test):
    """Test accuracy; in DDP each rank scores its half of the test set and the counts are summed."""
    torch = ctx["torch"]
    n = x_test.shape[0]
    share = (n + args.processes - 1) // args.processes
    lo, hi = args.rank * share, min(n, (args.rank + 1) * share)
    ctx["net"].eval()
    correct = 0
    with torch.no_grad():
        for start in range(lo, hi, 1000):
            end = min(hi, start + 1000)
            correct += int((ctx["net"](x_test[start:end]).argmax(1) == y_test[start:end]).sum())
    ctx["net"].train()
    if ctx["distributed"]:
        import torch.distributed as dist
        total = torch.tensor([correct], dtype=torch.int64)
        dist.all_reduce(total)
        correct = int(total.item())
    return correct / n


def time_to_accuracy(args):
    """Trains up to --epochs epochs, evaluating every half epoch; stops once the highest of --targets is reached."""
    ctx = setup(args)
    torch = ctx["torch"]
    x_test, y_test = load("test")
    steps_per_epoch = (ctx["x"].shape[0] + GLOBAL_BATCH - 1) // GLOBAL_BATCH
    half = steps_per_epoch // 2
    generator = torch.Generator().manual_seed(42)
    reached = {target: None for target in args.targets}
    best = 0.0
    barrier(ctx)
    start = time.perf_counter()
    for epoch in range(args.epochs):
        order = torch.randperm(ctx["x"].shape[0], generator=generator)
        for step in range(steps_per_epoch):
            rows = rank_rows(args, ctx, order, step)
            if len(rows) == 0:
                continue
            train_step(ctx, rows, augmented=True)
            if step + 1 == half or step + 1 == steps_per_epoch:
                accuracy = evaluate(args, ctx, x_test, y_test)
                seconds = time.perf_counter() - start
                at = epoch + (step + 1) / steps_per_epoch
                best = max(best, accuracy)
                if args.rank == 0:
                    emit({"kind": "evaluation", "model": args.model, "processes": args.processes,
                          "threads": args.threads, "epoch": round(at, 2), "seconds": round(seconds, 2),
                          "test_accuracy": round(accuracy, 4)})
                for target in reached:
                    if reached[target] is None and accuracy >= target:
                        reached[target] = seconds
        if reached[max(args.targets)] is not None:
            break
    if args.rank == 0:
        record = {"kind": "time_to_accuracy", "model": args.model, "processes": args.processes,
                  "threads": args.threads, "epochs_run": epoch + 1, "best_test_accuracy": round(best, 4)}
        record.update({seconds_to(target): seconds for target, seconds in reached.items()})
        emit(record)


def seconds_to(target):
    """The record's key for the seconds to `target`: seconds_to_0.93 (two decimals, as the bench reads it)."""
    return f"seconds_to_{target:.2f}"


def targets(text):
    """--targets: accuracies in (0, 1), comma-separated."""
    try:
        values = sorted({float(t) for t in text.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError(f"--targets must be accuracies such as 0.90,0.93, not {text!r}")
    if not values or values[0] <= 0 or values[-1] >= 1:
        raise argparse.ArgumentTypeError(f"--targets must lie between 0 and 1, not {text!r}")
    return values


def info():
    """The torch version and the BLAS it runs: Debian's build says BLAS_INFO=generic, since it links libblas.so.3,
    which the alternatives system points at OpenBLAS when libopenblas0-pthread is installed; so the library is read
    from this process's mapped files after one matrix product."""
    import torch
    a = torch.ones(64, 64)
    _ = a @ a
    with open("/proc/self/maps") as maps:
        libraries = sorted({line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line})
    named = [path for path in libraries if "openblas" in os.path.basename(path).lower()] or libraries
    blas = named[0] if named else "none mapped"
    emit({"kind": "info", "torch": torch.__version__, "blas": blas, "openblas": "openblas" in blas.lower(),
          "python": sys.version.split()[0]})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["info", "throughput", "time-to-accuracy"])
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--processes", type=int, default=1, choices=[1, 2])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--targets", type=targets, default=[0.88, 0.90])
    parser.add_argument("--rank", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.threads < 1 or args.warmup < 0 or args.iterations < 1 or args.epochs < 1:
        fail("--threads, --iterations and --epochs must be >= 1 and --warmup >= 0")
    if args.mode == "info":
        info()
        return
    if args.processes > 1 and args.rank is None:
        launch_ranks(args)
        return
    if args.rank is None:
        args.rank = 0
    if args.mode == "throughput":
        throughput(args)
    else:
        time_to_accuracy(args)


if __name__ == "__main__":
    main()
