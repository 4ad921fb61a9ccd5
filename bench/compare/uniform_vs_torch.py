#!/usr/bin/python3
"""Single-thread per-tensor quantize/dequantize: libquant vs PyTorch 1.13.

Usage: /usr/bin/python3 bench/compare/uniform_vs_torch.py [path/to/lq_uniform_speed] [--n N] [--reps R]

Times torch.quantize_per_tensor(x, s, zp, torch.qint8) and .dequantize() with
torch.set_num_threads(1), then runs libquant's lq_uniform_speed (bench/uniform_speed.c,
built with the benchmarks) on exactly the same float32 data and parameters, and
prints both rates (10^9 elements/s, median of R runs) and their ratio.

It also loads libquant.so (next to the benchmark's build directory) with ctypes and
times torch.quantize_per_tensor and lq_quantize_f32_s8 alternately, R pairs on the same
array in the same process, so that both sides of each pair see the same machine
conditions; "interleaved" reports the median and range of the per-pair ratios (this
machine's background load makes the two separate medians drift by +-30 %). The codes of
both are compared element for element first.
"""
import ctypes
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch


def median_time(fn, reps):
    """(median wall seconds, median thread-CPU seconds)"""
    fn()  # warm-up
    ts, cs = [], []
    for _ in range(reps):
        c0 = time.thread_time()
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
        cs.append(time.thread_time() - c0)
    ts.sort()
    cs.sort()
    return ts[len(ts) // 2], cs[len(cs) // 2]


class LqRounding(ctypes.Structure):
    _fields_ = [("mode", ctypes.c_int), ("seed", ctypes.c_uint64), ("index0", ctypes.c_uint64)]


def interleaved(binary, x, x_np, scale, zp, pairs):
    """torch and libquant timed alternately on the same array: per-pair ratios."""
    build = os.path.dirname(os.path.dirname(os.path.abspath(binary)))
    lib = ctypes.CDLL(os.path.join(build, "libquant.so"))
    fn = lib.lq_quantize_f32_s8
    fn.restype = ctypes.c_int
    fn.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_float, ctypes.c_int32,
                   ctypes.POINTER(LqRounding), ctypes.c_void_p]
    n = x_np.size
    out = np.empty(n, np.int8)
    rnd = LqRounding(0, 0, 0)  # LQ_ROUND_HALF_EVEN, torch's nearbyint
    xp, op = x_np.ctypes.data, out.ctypes.data

    def ours():
        if fn(xp, n, scale, zp, ctypes.byref(rnd), op) != 0:
            sys.exit("lq_quantize_f32_s8 failed")

    def theirs():
        return torch.quantize_per_tensor(x, scale, zp, torch.qint8)

    ours()
    ref = theirs().int_repr().numpy()
    mism = int(np.count_nonzero(ref != out))
    if mism:
        sys.exit(f"libquant and torch codes differ in {mism} of {n} elements")
    ratios, t_ours, t_torch = [], [], []
    for _ in range(pairs):
        t0 = time.perf_counter()
        theirs()
        t1 = time.perf_counter()
        ours()
        t2 = time.perf_counter()
        t_torch.append(t1 - t0)
        t_ours.append(t2 - t1)
        ratios.append((t1 - t0) / (t2 - t1))
    ratios.sort()
    med = lambda v: sorted(v)[len(v) // 2]
    return {
        "pairs": pairs,
        "codes_equal": True,
        "torch_quantize_gelems_median": round(n / med(t_torch) * 1e-9, 4),
        "libquant_quantize_gelems_median": round(n / med(t_ours) * 1e-9, 4),
        "quantize_x_torch_median": round(med(ratios), 2),
        "quantize_x_torch_min": round(ratios[0], 2),
        "quantize_x_torch_max": round(ratios[-1], 2),
    }


def main():
    args = sys.argv[1:]
    n, reps, binary = 1 << 24, 7, None
    i = 0
    while i < len(args):
        if args[i] == "--n":
            n = int(args[i + 1]); i += 2
        elif args[i] == "--reps":
            reps = int(args[i + 1]); i += 2
        else:
            binary = args[i]; i += 1
    if binary is None:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        for cand in ("build-rel/bench/lq_uniform_speed", "build/bench/lq_uniform_speed"):
            if os.path.exists(os.path.join(root, cand)):
                binary = os.path.join(root, cand)
                break
    if binary is None or not os.path.exists(binary):
        sys.exit("lq_uniform_speed not found: build the benchmarks (Release) and pass its path")

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    x_np = (rng.standard_normal(n) * 2.0).astype(np.float32)
    x = torch.from_numpy(x_np)
    obs = torch.ao.quantization.MinMaxObserver(dtype=torch.qint8)
    obs(x)
    s, z = obs.calculate_qparams()
    scale, zp = float(s.item()), int(z.item())
    scale = float(np.float32(scale))

    tq, cq = median_time(lambda: torch.quantize_per_tensor(x, scale, zp, torch.qint8), reps)
    q = torch.quantize_per_tensor(x, scale, zp, torch.qint8)
    tdq, cdq = median_time(lambda: q.dequantize(), reps)
    torch_q, torch_dq = n / tq * 1e-9, n / tdq * 1e-9
    torch_qc, torch_dqc = n / cq * 1e-9, n / cdq * 1e-9

    inter = interleaved(binary, x, x_np, scale, zp, max(reps, 15))

    with tempfile.NamedTemporaryFile(suffix=".f32", delete=False) as f:
        f.write(x_np.tobytes())
        path = f.name
    try:
        out = subprocess.run([binary, "--input", path, "--scale", repr(scale), "--zp", str(zp), "--reps", str(reps)],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(path)
    lq = json.loads(out)
    res = {
        "n": n,
        "torch_version": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "scale": scale,
        "zero_point": zp,
        "torch_quantize_gelems": round(torch_q, 4),
        "torch_dequantize_gelems": round(torch_dq, 4),
        "libquant_kernel": lq["kernel"],
        "libquant_quantize_gelems": lq["quantize_s8_gelems"],
        "libquant_dequantize_gelems": lq["dequantize_s8_gelems"],
        "memcpy_gelems": lq["memcpy_gelems"],
        "quantize_x_torch": round(lq["quantize_s8_gelems"] / torch_q, 2),
        "dequantize_x_torch": round(lq["dequantize_s8_gelems"] / torch_dq, 2),
        "quantize_x_memcpy": lq["quantize_s8_x_memcpy"],
        "dequantize_x_memcpy": lq["dequantize_s8_x_memcpy"],
        "stochastic_x_half_even": lq["rounding"]["stochastic"]["x_half_even"],
        # thread-CPU-time rates: less sensitive to other processes on a shared machine
        "torch_quantize_cpu_gelems": round(torch_qc, 4),
        "libquant_quantize_cpu_gelems": lq["quantize_s8_cpu_gelems"],
        "quantize_x_torch_cpu": round(lq["quantize_s8_cpu_gelems"] / torch_qc, 2),
        "dequantize_x_torch_cpu": round(lq["dequantize_s8_cpu_gelems"] / torch_dqc, 2),
        "interleaved": inter,
    }
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
