"""Gathers one gpu-check.sh run into $OUT and prints the table that ends its log.

    python3 bench/pytorch/summary.py --work DIR --out OUT --target cuda|cpu --size full|tiny --elapsed S [--budget S] [--quiet]

gpu-check.sh runs it after every phase (--quiet: no table), so that $OUT holds what has run so far
when the device call is cut off; DIR/phases.txt (phase, status, seconds, detail; tab-separated)
becomes results.json's "phases".

Writes OUT/results.json (environment, test counts, comparison verdicts, every timing and the
ratios tsdp/PyTorch: below 1 means tsdp is faster) and OUT/tests.json, and copies compare.json,
bench-tsdp.json and bench-torch.json next to them. Missing inputs (a skipped or failed phase) are
reported as such, never filled in.
"""
import argparse
import datetime
import glob
import json
import os
import shutil

ap = argparse.ArgumentParser()
ap.add_argument("--work", required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--target", required=True)
ap.add_argument("--size", required=True)
ap.add_argument("--elapsed", type=float, default=None)
ap.add_argument("--budget", type=float, default=None)
ap.add_argument("--quiet", action="store_true")
A = ap.parse_args()


def load(name):
    path = os.path.join(A.work, name)
    if not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except ValueError as e:
        return {"unreadable": str(e)}


def dig(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def ratio(a, b):
    return a / b if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else None


def tests():
    out = {}
    for path in sorted(glob.glob(os.path.join(A.work, "logs", "tests-*.json"))):
        name = os.path.basename(path)[len("tests-") : -len(".json")]
        try:
            r = json.load(open(path))
        except ValueError:
            out[name] = {"error": "unreadable report"}
            continue
        failures = [m for f in r.get("testResults", []) for t in f.get("assertionResults", []) for m in t.get("failureMessages", [])]
        out[name] = {"passed": r.get("numPassedTests"), "failed": r.get("numFailedTests"), "skipped": r.get("numPendingTests"), "failures": [m[:2000] for m in failures]}
    status = os.path.join(A.work, "logs", "tests-status.txt")
    for line in open(status).read().split("\n") if os.path.exists(status) else []:
        if line.strip():
            name, code = line.split()
            out.setdefault(name, {})["exit"] = int(code)
            if code == "124":
                out[name]["timedOut"] = True
    return out


def phases():
    path = os.path.join(A.work, "phases.txt")
    out = []
    for line in open(path).read().split("\n") if os.path.exists(path) else []:
        if line.strip():
            name, status, seconds, detail = (line.split("\t") + ["", "", ""])[:4]
            out.append({"phase": name, "status": status, "seconds": int(seconds) if seconds.isdigit() else None, "detail": detail})
    return out


def ratios(ts, pt):
    r = {}
    for variant, res in (dig(pt, "lenet_train_step") or {}).items():
        for b, v in res.items():
            r[f"lenet_train_{b}_vs_{variant}"] = ratio(dig(ts, "lenet_train_step", b, "medianMs"), v.get("medianMs"))
    for variant, v in (dig(pt, "lenet_inference") or {}).items():
        r[f"lenet_inference_vs_{variant}"] = ratio(dig(ts, "lenet_inference", "medianMs"), v.get("medianMs"))
    for where, v in (dig(pt, "epoch") or {}).items():
        r[f"epoch_vs_eager_{where}"] = ratio(dig(ts, "epoch", "seconds"), v.get("seconds"))
    for p, v in (dig(pt, "gemm_mlp") or {}).items():
        r[f"gemm_{p}"] = ratio(dig(ts, "gemm_mlp", p, "medianMs"), v.get("medianMs"))
        r[f"gemm_tsdp_{p}"] = ratio(dig(ts, "gemm_mlp_tsdp", p, "medianMs"), v.get("medianMs"))
    for variant, v in (dig(pt, "compile_time") or {}).items():
        r[f"compile_cold_vs_{variant}"] = ratio(dig(ts, "compile", "coldS"), v.get("compileS"))
    return r


def fmt(x, unit="", digits=2):
    if x is None:
        return "—"
    if digits == "g":  # TFLOP/s of the CPU dry run are tiny; keep three significant digits
        return f"{x:.3g}{unit}"
    return f"{x:.{digits}f}{unit}"


def mib(d, key):
    return fmt(d[key] / 2**20, digits=1) if isinstance(d.get(key), (int, float)) else "—"


def memory_rows(ts, pt):
    """(label, tsdp memory, PyTorch eager memory) for the largest LeNet step, inference, GEMM fp32."""
    lt = ts.get("lenet_train_step") or {}
    big = list(lt)[-1] if lt else None
    yield f"LeNet train {big}", dig(lt, big, "memory") or {}, dig(pt, "lenet_train_step", "eager_dataparallel", big, "memory") or {}
    yield "LeNet inference", dig(ts, "lenet_inference", "memory") or {}, dig(pt, "lenet_inference", "eager_dataparallel", "memory") or {}
    yield "GEMM MLP fp32", dig(ts, "gemm_mlp", "fp32", "memory") or {}, dig(pt, "gemm_mlp", "fp32", "memory") or {}


def table(res):
    ts, pt, cmp = res["tsdp"] or {}, res["torch"] or {}, res["compare"] or {}
    rows = [("item", "tsdp", "PyTorch", "tsdp/PyTorch")]
    first = pt.get("lenet_train_step", {}).get("eager_dataparallel", {})
    for b in first:
        for variant in pt["lenet_train_step"]:
            rows.append((f"LeNet train step {b} (ms), {variant}", fmt(dig(ts, "lenet_train_step", b, "medianMs"), digits=3),
                         fmt(dig(pt, "lenet_train_step", variant, b, "medianMs"), digits=3), fmt(res["ratios"].get(f"lenet_train_{b}_vs_{variant}"))))
        # the loop that does not read each step's loss: tsdp's waitForLoss: false, PyTorch's steps without loss.item()
        no_wait, no_item = dig(ts, "lenet_train_step", b, "noWaitMedianMs"), dig(pt, "lenet_train_step", "eager_dataparallel", b, "noItemMedianMs")
        rows.append((f"LeNet train step {b} (ms), no per-step loss read, eager_dataparallel", fmt(no_wait, digits=3), fmt(no_item, digits=3), fmt(ratio(no_wait, no_item))))
    for variant in pt.get("lenet_inference", {}):
        rows.append((f"LeNet inference b{dig(ts, 'lenet_inference', 'batch')} (ms), {variant}", fmt(dig(ts, "lenet_inference", "medianMs"), digits=3),
                     fmt(dig(pt, "lenet_inference", variant, "medianMs"), digits=3), fmt(res["ratios"].get(f"lenet_inference_vs_{variant}"))))
    for where in pt.get("epoch", {}):
        rows.append((f"epoch {dig(ts, 'epoch', 'images')} img (s), eager {where}", fmt(dig(ts, "epoch", "seconds")), fmt(dig(pt, "epoch", where, "seconds")),
                     fmt(res["ratios"].get(f"epoch_vs_eager_{where}"))))
    for p in ("fp32", "tf32", "bf16"):
        # --gemm cublaslt (cuBLASLt where bench-tsdp.json's "library" says it was loaded), then --gemm tsdp
        rows.append((f"GEMM MLP {p} cuBLASLt (TFLOP/s; ratio of times)", fmt(dig(ts, "gemm_mlp", p, "tflops"), digits="g"), fmt(dig(pt, "gemm_mlp", p, "tflops"), digits="g"), fmt(res["ratios"].get(f"gemm_{p}"))))
        rows.append((f"GEMM MLP {p} tsdp kernels (TFLOP/s; ratio of times)", fmt(dig(ts, "gemm_mlp_tsdp", p, "tflops"), digits="g"), fmt(dig(pt, "gemm_mlp", p, "tflops"), digits="g"), fmt(res["ratios"].get(f"gemm_tsdp_{p}"))))
    rows.append(("tsdp compile LeNet cold / warm cache / up to date (s)", f"{fmt(dig(ts, 'compile', 'coldS'))} / {fmt(dig(ts, 'compile', 'warmCacheS'))} / {fmt(dig(ts, 'compile', 'upToDateS'))}", "", ""))
    for variant, v in (pt.get("compile_time") or {}).items():
        rows.append((f"torch {variant} first-call compile (s)", "", fmt(v.get("compileS")), fmt(res["ratios"].get(f"compile_cold_vs_{variant}"))))
    for label, t_mem, p_mem in memory_rows(ts, pt):
        rows.append((f"peak memory {label} (MiB: planned|device / allocated|device)", f"{mib(t_mem, 'plannedBytes')} | {fmt(t_mem.get('deviceUsedMiB'), digits=0)}",
                     f"{mib(p_mem, 'maxAllocatedBytes')} | {fmt(p_mem.get('deviceUsedMiB'), digits=0)}", ""))
    kt = res.get("kernelTimes") or {}
    for b, t in (kt.get("batches") or {}).items():
        est, meas = t.get("estimateUs"), t.get("measuredUs")
        rows.append((f"LeNet step kernels b{b} (us, sum): model {kt.get('gpu')} / measured (ratio measured/model)",
                     f"{fmt(est, digits=1)} / {fmt(meas, digits=1)}", "", fmt(meas / est if est and meas is not None else None)))
    # the same step built otherwise (lenet-direct: the convolution forwards without patch staging)
    for name, v in (kt.get("variants") or {}).items():
        for b, t in (v.get("batches") or {}).items():
            est, meas = t.get("estimateUs"), t.get("measuredUs")
            rows.append((f"{name} step kernels b{b} (us, sum): model {kt.get('gpu')} / measured (ratio measured/model)",
                         f"{fmt(est, digits=1)} / {fmt(meas, digits=1)}", "", fmt(meas / est if est and meas is not None else None)))
    w = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [" | ".join(c.ljust(w[i]) for i, c in enumerate(r)) for r in rows]
    lines.insert(1, "-+-".join("-" * x for x in w))
    models = cmp.get("models", {})
    verdicts = ", ".join(f"{m} {'ok' if v.get('pass') else 'FAIL'}" for m, v in models.items()) or "not run"
    tests_line = ", ".join(f"{m} {v.get('passed')}/{(v.get('passed') or 0) + (v.get('failed') or 0)}{' TIMEOUT' if v.get('timedOut') else ''}" for m, v in res["tests"].items()) or "not run"
    return "\n".join([f"== tsdp vs PyTorch, {res['target']} target, {res['gpu'] or 'no GPU'}, {res['date']} ==", f"tests ({res['target']}): {tests_line}",
                      f"PyTorch comparison: {verdicts}", *lines, f"skipped on the PyTorch side: {json.dumps(pt.get('skipped', {}))}"])


def main():
    os.makedirs(A.out, exist_ok=True)
    ts, pt, cmp = load("bench-tsdp.json"), load("bench-torch.json"), load("compare.json")
    versions = open(os.path.join(A.work, "versions.txt")).read().strip().split("\n") if os.path.exists(os.path.join(A.work, "versions.txt")) else []
    res = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "target": A.target, "size": A.size,
           "gpu": (pt or {}).get("gpu") or (cmp or {}).get("gpu"), "versions": versions, "elapsedS": A.elapsed,
           "budgetS": A.budget, "phases": phases(), "tests": tests(), "compare": cmp, "tsdp": ts, "torch": pt,
           "kernelTimes": load("kernel-times.json")}
    res["ratios"] = ratios(ts or {}, pt or {})
    with open(os.path.join(A.out, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    with open(os.path.join(A.out, "tests.json"), "w") as f:
        json.dump(res["tests"], f, indent=1)
    for name in ("compare.json", "bench-tsdp.json", "bench-torch.json"):
        if os.path.exists(os.path.join(A.work, name)):
            shutil.copy(os.path.join(A.work, name), os.path.join(A.out, name))
    if not A.quiet:
        print(table(res))


main()
