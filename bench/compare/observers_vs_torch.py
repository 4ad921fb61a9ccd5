#!/usr/bin/python3
"""Times torch 1.13's HistogramObserver (one thread) against libquant's
histogram observer on the same data: two batches of N floats (the second one
wider, so the histogram is re-binned), then calculate_qparams.

usage: /usr/bin/python3 bench/compare/observers_vs_torch.py BUILD_DIR [N]
BUILD_DIR holds bench/lq_obs_time (Release build recommended)."""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from torch.ao.quantization import HistogramObserver, MinMaxObserver

torch.set_num_threads(1)
build = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 20
exe = os.path.join(build, "bench", "lq_obs_time")
rng = np.random.default_rng(0)
b1 = (rng.standard_normal(n) * 1.0).astype(np.float32)
b2 = (rng.standard_normal(n) * 1.5 + 0.2).astype(np.float32)


def time_torch(cls, reps):
    obs_t, qp_t = [], []
    t1, t2 = torch.from_numpy(b1), torch.from_numpy(b2)
    for _ in range(reps):
        ob = cls()
        a = time.perf_counter()
        ob(t1)
        ob(t2)
        b = time.perf_counter()
        s, z = ob.calculate_qparams()
        c = time.perf_counter()
        obs_t.append(b - a)
        qp_t.append(c - b)
    return float(np.median(obs_t)), float(np.median(qp_t)), s.item(), int(z.item())


with tempfile.TemporaryDirectory() as d:
    f1, f2 = os.path.join(d, "b1.f32"), os.path.join(d, "b2.f32")
    b1.tofile(f1)
    b2.tofile(f2)
    print("machine: 2-core AMD EPYC, AVX2, no AVX-512; torch %s at 1 thread; n = %d per batch, 2 batches" %
          (torch.__version__, n))
    for name, cls, reps in (("histogram", HistogramObserver, 5), ("minmax", MinMaxObserver, 21)):
        to, tq, ts, tz = time_torch(cls, reps)
        out = subprocess.run([exe, name, str(reps), f1, f2], check=True, capture_output=True, text=True).stdout.split()
        lo, lq = float(out[1]), float(out[3])
        print("%-10s observe: torch %.4f s, libquant %.4f s (%.1fx) | qparams: torch %.4f s, libquant %.4f s (%.1fx)"
              " | torch (%.6g, %d) libquant (%s, %s)" % (name, to, lo, to / lo, tq, lq, tq / lq if lq > 0 else 0,
                                                        ts, tz, out[5], out[7]))
