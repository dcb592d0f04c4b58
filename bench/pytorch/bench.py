"""The PyTorch half of the benchmarks: the same sizes as bench/tsdp/bench-side.ts, same GPU.

    python3 bench/pytorch/bench.py --out FILE.json [--device cuda] [sizes: see the flags]

Each timed call does what tsdp's trainStep / forward do through their host-array API: copy the
batch from (pageable) host memory to the device, run, and bring back the loss (.item()) or the
outputs, so the ratios compare like with like. A second number ("resident") keeps the batch on
the device, to show what that copy costs. Times are medians of --reps calls after --warmup.
Results are written after every item, so a run cut short by its time limit keeps what it did;
items are ordered cheapest first, torch.compile(mode="max-autotune") last.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import LeNet  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--out", required=True)
ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
ap.add_argument("--lenet-batches", default="64,256")
ap.add_argument("--epoch-batch", type=int, default=256)
ap.add_argument("--epoch-limit", type=int, default=60000)
ap.add_argument("--infer-batch", type=int, default=1024)
ap.add_argument("--gemm-batch", type=int, default=4096)
ap.add_argument("--gemm-width", type=int, default=4096)
ap.add_argument("--warmup", type=int, default=5)
ap.add_argument("--reps", type=int, default=30)
ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
ap.add_argument("--only", default="train,infer,epoch,gemm,compile,autotune")
ap.add_argument("--budget-s", type=float, default=300, help="items that would start after this many seconds are skipped")
A = ap.parse_args()
DEV = torch.device(A.device)
ONLY = set(A.only.split(","))
START = time.perf_counter()
R = {"torch": torch.__version__, "device": A.device, "gpu": torch.cuda.get_device_name(0) if DEV.type == "cuda" else None,
     "cuda": torch.version.cuda, "sizes": vars(A), "skipped": {}}
HAS_COMPILE = hasattr(torch, "compile")


def save():
    with open(A.out, "w") as f:
        json.dump(R, f, indent=1)


def sync():
    if DEV.type == "cuda":
        torch.cuda.synchronize()


def time_ms(fn, warmup=None, reps=None):
    for _ in range(A.warmup if warmup is None else warmup):
        fn()
    sync()
    t = []
    for _ in range(A.reps if reps is None else reps):
        t0 = time.perf_counter()
        fn()
        sync()
        t.append((time.perf_counter() - t0) * 1e3)
    return {"medianMs": float(np.median(t)), "minMs": float(np.min(t)), "reps": len(t)}


def memory():
    """torch's own peak (allocator) and, as for tsdp, nvidia-smi's memory in use on the device."""
    if DEV.type != "cuda":
        return {"maxAllocatedBytes": None, "deviceUsedMiB": None}
    try:
        used = float(subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits", "-i", "0"], capture_output=True, text=True, check=True).stdout.split()[0])
    except (OSError, subprocess.CalledProcessError, IndexError, ValueError):
        used = None
    return {"maxAllocatedBytes": torch.cuda.max_memory_allocated(), "deviceUsedMiB": used}


def fresh_memory():
    if DEV.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def period_ms(fn, steps=10):
    """Steps issued back to back, synchronized once per `steps`: the steady per-step period of a loop
    that does not wait for each step (no loss.item()), as tsdp's trainStep with waitForLoss: false."""
    for _ in range(A.warmup):
        fn()
    sync()
    t = []
    for _ in range(max(3, A.reps // steps)):
        t0 = time.perf_counter()
        for _ in range(steps):
            fn()
        sync()
        t.append((time.perf_counter() - t0) * 1e3 / steps)
    return {"medianMs": float(np.median(t)), "minMs": float(np.min(t)), "reps": len(t)}


def train_step_fn(model, batch, resident, seed=1, item=True):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, 1, 28, 28, generator=g)
    y = torch.randint(0, 10, (batch,), generator=g)
    if resident:
        x, y = x.to(DEV), y.to(DEV)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x.to(DEV)), y.to(DEV))
        loss.backward()
        opt.step()
        return loss.item() if item else loss

    return step


def variants():
    """(label, model) pairs: eager through nn.DataParallel as the issue's baseline, then compiled."""
    yield "eager_dataparallel", lambda: nn.DataParallel(LeNet()).to(DEV)
    for mode, item in (("default", "compile"), ("max-autotune", "autotune")):
        if item not in ONLY:
            continue
        if not HAS_COMPILE:
            R["skipped"][f"compile_{mode}"] = f"torch {torch.__version__} has no torch.compile (2.0 and later)"
            continue
        # DataParallel on one device is the bare module; torch.compile is applied to the module itself
        yield f"compile_{mode}", lambda mode=mode: torch.compile(LeNet().to(DEV), mode=mode)


def within_budget(item):
    if time.perf_counter() - START > A.budget_s:
        R["skipped"][item] = f"time budget of {A.budget_s:.0f} s spent"
        save()
        return False
    return True


def lenet_train_and_infer():
    R["lenet_train_step"], R["lenet_inference"], R["compile_time"] = {}, {}, {}
    for label, make in variants():
        if not within_budget(label):
            continue
        fresh_memory()
        model = make()
        model.train()
        step = train_step_fn(model, int(A.lenet_batches.split(",")[0]), resident=False)
        t0 = time.perf_counter()
        step()  # the first call compiles, for torch.compile
        sync()
        first_s = time.perf_counter() - t0
        out = {}
        if "train" in ONLY:
            for batch in map(int, A.lenet_batches.split(",")):
                host = time_ms(train_step_fn(model, batch, resident=False))
                resident = time_ms(train_step_fn(model, batch, resident=True))
                no_item = period_ms(train_step_fn(model, batch, resident=False, item=False))
                out[f"batch{batch}"] = {**host, "imagesPerS": batch / host["medianMs"] * 1e3, "residentMedianMs": resident["medianMs"],
                                        "noItemMedianMs": no_item["medianMs"], "memory": memory()}
            R["lenet_train_step"][label] = out
        if "infer" in ONLY:
            fresh_memory()
            model.eval()
            x = torch.randn(A.infer_batch, 1, 28, 28)

            def infer():
                with torch.no_grad():
                    return model(x.to(DEV)).cpu()

            t0 = time.perf_counter()
            infer()
            sync()
            first_infer_s = time.perf_counter() - t0
            t = time_ms(infer)
            R["lenet_inference"][label] = {"batch": A.infer_batch, **t, "imagesPerS": A.infer_batch / t["medianMs"] * 1e3, "firstCallS": first_infer_s, "memory": memory()}
        if label.startswith("compile_"):
            # first call = compile + one step; the step itself is the median measured above
            step_ms = out.get(f"batch{A.lenet_batches.split(',')[0]}", {}).get("medianMs", 0.0)
            R["compile_time"][label] = {"firstTrainCallS": first_s, "compileS": first_s - step_ms / 1e3}
        save()
        del model


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * rank).reshape(dims)


def epoch():
    # normalization and order as runtime/data.ts and bench-side.ts: (p/255 − 0.286)/0.353, in file order
    images = read_idx(os.path.join(A.data, "train-images-idx3-ubyte.gz"))[: A.epoch_limit]
    labels = read_idx(os.path.join(A.data, "train-labels-idx1-ubyte.gz"))[: A.epoch_limit]
    x_all = torch.from_numpy(((images.astype(np.float32) / 255 - 0.286) / 0.353).reshape(-1, 1, 28, 28))
    y_all = torch.from_numpy(labels.astype(np.int64))
    bs = A.epoch_batch
    batches = [(x_all[s : s + bs], y_all[s : s + bs]) for s in range(0, len(y_all), bs)]
    out = {}
    for where in ("host", "pinned", "resident"):
        if where == "pinned" and DEV.type != "cuda":
            continue
        fresh_memory()
        model = nn.DataParallel(LeNet()).to(DEV)
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        data = batches if where == "host" else [(x.pin_memory(), y.pin_memory()) for x, y in batches] if where == "pinned" else [(x.to(DEV), y.to(DEV)) for x, y in batches]

        def run(bs_list):
            last = 0.0
            for x, y in bs_list:
                opt.zero_grad(set_to_none=True)
                loss = F.cross_entropy(model(x.to(DEV, non_blocking=True)), y.to(DEV, non_blocking=True))
                loss.backward()
                opt.step()
                last = loss.item()  # per step, as tsdp's trainStep returns the loss
            return last

        run(data[:1])
        sync()
        t0 = time.perf_counter()
        last = run(data)
        sync()
        s = time.perf_counter() - t0
        out[where] = {"images": len(y_all), "batch": bs, "steps": len(data), "seconds": s, "imagesPerS": len(y_all) / s, "lastLoss": last, "memory": memory()}
    R["epoch"] = out
    save()


def gemm():
    W, B = A.gemm_width, A.gemm_batch
    flop = 22 * B * W * W  # the same count as bench-side.ts: 4 layers × 3 GEMMs, less layer 1's input gradient
    out = {}
    for precision in ("fp32", "tf32", "bf16"):
        if not within_budget(f"gemm_{precision}"):
            continue
        if DEV.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
            torch.backends.cudnn.allow_tf32 = precision == "tf32"
        fresh_memory()
        model = nn.DataParallel(nn.Sequential(nn.Linear(W, W), nn.ReLU(), nn.Linear(W, W), nn.ReLU(), nn.Linear(W, W), nn.ReLU(), nn.Linear(W, W))).to(DEV)
        opt = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
        g = torch.Generator().manual_seed(3)
        x_host, y_host = torch.randn(B, W, generator=g), torch.randint(0, W, (B,), generator=g)
        x_dev, y_dev = x_host.to(DEV), y_host.to(DEV)

        def step(x, y):
            opt.zero_grad(set_to_none=True)
            # bf16 as tsdp's --precision bf16: bf16 GEMM operands, fp32 accumulation and weights
            with torch.autocast(DEV.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
                loss = F.cross_entropy(model(x.to(DEV)), y.to(DEV))
            loss.backward()
            opt.step()
            return loss.item()

        reps = max(3, A.reps // 3)
        host = time_ms(lambda: step(x_host, y_host), min(A.warmup, 3), reps)
        resident = time_ms(lambda: step(x_dev, y_dev), min(A.warmup, 3), reps)
        out[precision] = {"width": W, "batch": B, **host, "tflops": flop / (host["medianMs"] / 1e3) / 1e12,
                          "residentMedianMs": resident["medianMs"], "residentTflops": flop / (resident["medianMs"] / 1e3) / 1e12, "memory": memory()}
        del model, opt
        R["gemm_mlp"] = out
        save()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


def main():
    if DEV.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cudnn.benchmark = True  # PyTorch at its fastest for fixed shapes
    for item, fn in (("epoch", epoch), ("gemm", gemm)):
        if item in ONLY and within_budget(item):
            t0 = time.perf_counter()
            try:
                fn()
            except Exception as e:  # recorded; the other items still run
                R[f"{item}_error"] = f"{type(e).__name__}: {e}"
            print(f"torch bench {item}: {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    try:
        lenet_train_and_infer()  # eager first, then torch.compile default, then max-autotune
    except Exception as e:
        R["lenet_error"] = f"{type(e).__name__}: {e}"
    print(f"torch bench lenet: {time.perf_counter() - t0:.1f} s", flush=True)
    save()


main()
