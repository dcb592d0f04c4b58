"""PyTorch as the outside referee of tsdp: same weights, same batches, same answers?

    python3 bench/pytorch/compare.py forward --work DIR [--models lenet,mlp] [--device cuda|cpu]
    python3 bench/pytorch/compare.py reverse --work DIR [--models …] [--device …]

forward, for each DIR/<name>/ written by bench/tsdp/compare-side.ts export: loads tsdp's initial
weights (init.safetensors) into the hand-written torch module of bench/pytorch/models.py by name
(strict), and checks against tsdp, on the same batches:
  - the eval-mode outputs,
  - the gradient of every parameter at the initial weights (first batch),
  - the losses of the optimizer steps (the model file's optimizer and hyperparameters),
  - (informational) the trained parameters and buffers after the steps.
It then saves PyTorch's trained weights (torch_trained.safetensors) and PyTorch's eval outputs
with them (torch_out.safetensors). reverse checks that tsdp, loaded with those weights
(reverse.safetensors, from compare-side.ts reverse), gives PyTorch's outputs.
Results go to DIR/compare.json; the exit code is 1 when a check fails.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import st  # noqa: E402

# fp32 against fp32, summed in different orders: |got − want| ≤ atol + rtol·|want|.
TOLERANCES = {
    "outputs": {"rtol": 1e-4, "atol": 1e-5},
    # Gradients of different layers differ by orders of magnitude, so the absolute floor is
    # relative to the tensor's own scale: atol = 1e-5 · max|want| of that tensor.
    "gradients": {"rtol": 1e-4, "atol_of_max": 1e-5},
    # Loss curves: |got − want| ≤ 1e-3 · |want| at every step.
    "losses": {"rtol": 1e-3},
}


def check(got, want, rtol, atol):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    if got.shape != want.shape:
        return {"pass": False, "error": f"shape {list(got.shape)} vs {list(want.shape)}"}
    diff = np.abs(got - want)
    excess = diff - (atol + rtol * np.abs(want))
    big = np.abs(want) > max(atol, 1e-30)
    rel = diff[big] / np.abs(want[big]) if big.any() else np.zeros(1)
    worst = int(np.argmax(excess)) if excess.size else 0
    ok = bool(np.all(np.isfinite(got)) and (excess.size == 0 or excess.max() <= 0))
    return {"pass": ok, "max_abs": float(diff.max(initial=0.0)), "max_rel": float(rel.max(initial=0.0)),
            "worst_at": worst, "got": float(got.flat[worst]) if got.size else None, "want": float(want.flat[worst]) if want.size else None,
            "rtol": rtol, "atol": atol}


def to_torch(a, device):
    return torch.from_numpy(np.ascontiguousarray(a)).to(device)


def batch_inputs(batches, prefix, device):
    xs, i = [], 0
    while f"{prefix}.x{i}" in batches:
        xs.append(to_torch(batches[f"{prefix}.x{i}"], device))
        i += 1
    return xs, to_torch(batches[f"{prefix}.y"], device).long()


def train(model, meta, batches, device, dtype, on_first_step=None):
    """The steps tsdp took: same mode, optimizer, batches; returns the losses."""
    model.train(meta["mode"] == "train")
    opt = models.optimizer(model.parameters(), meta["optimizer"])
    loss_of = models.loss_fn(meta["loss"])
    losses = []
    for s in range(meta["steps"]):
        x, y = batch_inputs(batches, f"step{s}", device)
        opt.zero_grad(set_to_none=True)
        loss = loss_of(model(*(xi.to(dtype) for xi in x)), y, reduction=meta["reduction"])
        loss.backward()
        if s == 0 and on_first_step:
            on_first_step(model)
        opt.step()
        losses.append(float(loss.item()))
    return losses


def load_state(model, path, device):
    # load_state_dict copies into the module's own dtype, so a float64 module takes fp32 weights
    state = {k: to_torch(v, device) for k, v in st.read(path).items() if not k.startswith("optimizer.")}
    model.load_state_dict(state, strict=True)


def forward_one(work, name, device):
    d = os.path.join(work, name)
    meta = json.load(open(os.path.join(d, "tsdp.json")))
    model = models.EXAMPLES[name]().to(device)
    load_state(model, os.path.join(d, "init.safetensors"), device)
    batches = st.read(os.path.join(d, "batches.safetensors"))
    theirs = st.read(os.path.join(d, "tsdp.safetensors"))
    r = {"tsdp_target": meta["target"], "batch": meta["batch"], "steps": meta["steps"], "mode": meta["mode"], "optimizer": meta["optimizer"]}

    model.eval()
    xe, _ = batch_inputs(batches, "eval", device)
    with torch.no_grad():
        out = model(*xe)
    r["outputs"] = check(theirs["out.0"], out.cpu().numpy(), **TOLERANCES["outputs"])

    grads = {}

    def on_first_step(m):
        for pname, p in m.named_parameters():
            want = p.grad.detach().cpu().numpy()
            scale = float(np.abs(want).max(initial=0.0))
            t = TOLERANCES["gradients"]
            grads[pname] = check(theirs[f"grad.{pname}"], want, t["rtol"], t["atol_of_max"] * scale)

    losses = train(model, meta, batches, device, torch.float32, on_first_step)
    r["gradients"] = {"pass": all(g["pass"] for g in grads.values()), "worst_rel": max((g["max_rel"] for g in grads.values()), default=0.0), "per_param": grads}
    # The same steps in float64: how far fp32 rounding alone moves this curve, for PyTorch and for
    # tsdp. A training run that amplifies rounding (small batches, BatchNorm, high rates) can
    # miss the 1e-3 bound while tsdp is as close to the float64 curve as PyTorch's fp32 is.
    model64 = models.EXAMPLES[name]().to(device).double()
    load_state(model64, os.path.join(d, "init.safetensors"), device)
    losses64 = train(model64, meta, batches, device, torch.float64)
    rel = lambda a, b: [abs(x - y) / max(abs(y), 1e-12) for x, y in zip(a, b)]  # noqa: E731
    r["losses"] = {"pass": all(e <= TOLERANCES["losses"]["rtol"] for e in rel(meta["losses"], losses)), "max_rel": max(rel(meta["losses"], losses)),
                   "tsdp_vs_fp64_max_rel": max(rel(meta["losses"], losses64)), "torch_vs_fp64_max_rel": max(rel(losses, losses64)),
                   "tsdp": meta["losses"], "torch": losses, "torch_fp64": losses64}

    final = {k: v for k, v in st.read(os.path.join(d, "final.safetensors")).items() if not k.startswith("optimizer.")}
    drift = {k: check(final[k], v.detach().cpu().numpy(), 1e-3, 1e-5) for k, v in model.state_dict().items() if k in final}
    r["final_state_info"] = {"max_abs": max(v["max_abs"] for v in drift.values()), "max_rel": max(v["max_rel"] for v in drift.values())}

    trained = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    st.write(os.path.join(d, "torch_trained.safetensors"), trained, {"format": "pt", "from": "bench/pytorch/compare.py"})
    model.eval()
    with torch.no_grad():
        st.write(os.path.join(d, "torch_out.safetensors"), {"out.0": model(*xe).cpu().numpy()})
    r["pass"] = r["outputs"]["pass"] and r["gradients"]["pass"] and r["losses"]["pass"]
    return r


def reverse_one(work, name):
    d = os.path.join(work, name)
    got = st.read(os.path.join(d, "reverse.safetensors"))["out.0"]
    want = st.read(os.path.join(d, "torch_out.safetensors"))["out.0"]
    return check(got, want, **TOLERANCES["outputs"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["forward", "reverse"])
    ap.add_argument("--work", required=True)
    ap.add_argument("--models", default=",".join(models.EXAMPLES))
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = ap.parse_args()
    if a.device == "cuda":
        # fp32 means fp32: PyTorch lets cuDNN convolutions use TF32 by default on Ampere and later.
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
    path = os.path.join(a.work, "compare.json")
    # merged into an earlier run's file, so that a rerun of some models keeps the others'
    results = json.load(open(path)) if os.path.exists(path) else {}
    results.setdefault("models", {})
    results.update({"torch": torch.__version__, "device": a.device, "gpu": torch.cuda.get_device_name(0) if a.device == "cuda" else None, "tolerances": TOLERANCES})
    failed = False
    for name in [m for m in a.models.split(",") if m]:
        entry = results["models"].setdefault(name, {})
        if a.command == "forward":
            entry.clear()
        try:
            if a.command == "forward":
                entry.update(forward_one(a.work, name, a.device))
            else:
                entry["reverse"] = reverse_one(a.work, name)
                entry["pass"] = entry.get("pass", False) and entry["reverse"]["pass"]
        except Exception as e:  # one model's failure must not hide the others' results
            entry[f"{a.command}_error"] = f"{type(e).__name__}: {e}"
            entry["pass"] = False
        failed |= not entry.get("pass", False)
        print(summary_line(name, entry, a.command), flush=True)
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    sys.exit(1 if failed else 0)


def summary_line(name, e, command):
    if f"{command}_error" in e:
        return f"{name:9s} ERROR {e[f'{command}_error']}"
    if command == "reverse":
        r = e["reverse"]
        return f"{name:9s} reverse (torch-trained weights in tsdp): max rel {r['max_rel']:.2e}, max abs {r['max_abs']:.2e} {'ok' if r['pass'] else 'FAIL'}"
    ok = lambda c: "ok" if c["pass"] else "FAIL"  # noqa: E731
    return (f"{name:9s} outputs max rel {e['outputs']['max_rel']:.2e} {ok(e['outputs'])} | grads max rel {e['gradients']['worst_rel']:.2e} {ok(e['gradients'])} | "
            f"{e['steps']} losses max rel {e['losses']['max_rel']:.2e} {ok(e['losses'])} ({e['losses']['tsdp'][0]:.4f} → {e['losses']['tsdp'][-1]:.4f}; "
            f"vs float64: tsdp {e['losses']['tsdp_vs_fp64_max_rel']:.1e}, torch fp32 {e['losses']['torch_vs_fp64_max_rel']:.1e})")


if __name__ == "__main__":
    main()
