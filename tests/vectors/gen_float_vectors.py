#!/usr/bin/python3
"""Golden vectors for f32 <-> f16 / bf16 conversion.

Run with Debian's /usr/bin/python3 (numpy 1.24, torch 1.13):
    /usr/bin/python3 tests/vectors/gen_float_vectors.py tests/vectors
Writes little-endian binary files read by tests/test_core.c:
  f32_to_f16.bin   : N records of (u32 f32 bits, u16 numpy float16 bits, u16 torch bfloat16 bits)
  f16_to_f32.bin   : 65536 u32: numpy's float16 -> float32 of every pattern
Signalling NaNs are left out of the f32 set: numpy keeps them signalling,
F16C and libquant quiet them (docs/NUMERICS.md); torch writes a canonical NaN
for bfloat16, so the bf16 column is only compared for non-NaN inputs.
"""
import os
import sys

import numpy as np
import torch


def f32_inputs():
    vals = set()
    # every f16 value's exact f32, its neighbours, and the midpoints between
    # consecutive f16 values (ties) and their neighbours
    h = np.arange(0, 0x7C01, dtype=np.uint32)
    f = h.astype(np.uint16).view(np.float16).astype(np.float32)
    bits = f.view(np.uint32)
    for d in (-1, 0, 1):
        vals.update((bits.astype(np.int64) + d).clip(0, 0x7F800000).tolist())
    mids = ((f[:-1].astype(np.float64) + f[1:].astype(np.float64)) / 2).astype(np.float32).view(np.uint32)
    for d in (-1, 0, 1):
        vals.update((mids.astype(np.int64) + d).tolist())
    # bf16 ties: low half exactly 0x8000 around several exponents
    for e in range(0, 255):
        for lo in (0x7FFF, 0x8000, 0x8001):
            for m in (0, 1, 0x7F):
                vals.add((e << 23) | (m << 16) | lo)
    rng = np.random.default_rng(1234)
    vals.update(rng.integers(0, 0x7F800000, 20000).tolist())
    vals.update([0x7F800000, 0x7FC00000, 0x7FC00001, 0x7FFFFFFF, 0x7F7FFFFF, 0x477FF000, 0x477FEFFF, 0x477FF001,
                 0x33000000, 0x33000001, 0x32FFFFFF, 0x387FFFFF, 0x38800000, 1])
    out = sorted(v for v in vals if 0 <= v <= 0x7FFFFFFF and not (0x7F800000 < v < 0x7FC00000))
    out = out + [v | 0x80000000 for v in out]
    return np.array(out, dtype=np.uint32)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(__file__)
    x = f32_inputs()
    xf = x.view(np.float32)
    h = xf.astype(np.float16).view(np.uint16)
    b = torch.from_numpy(xf.copy()).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
    rec = np.zeros(len(x), dtype=[("f", "<u4"), ("h", "<u2"), ("b", "<u2")])
    rec["f"], rec["h"], rec["b"] = x, h, b
    rec.tofile(os.path.join(outdir, "f32_to_f16.bin"))
    allh = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16)
    allh.astype(np.float32).view(np.uint32).astype("<u4").tofile(os.path.join(outdir, "f16_to_f32.bin"))
    print(f"{len(x)} f32 inputs, 65536 f16 inputs")


if __name__ == "__main__":
    main()
