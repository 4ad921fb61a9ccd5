#!/usr/bin/python3
"""Golden vectors for libquant's AutoAWQ packing (tests/test_llm_awq.c).

Run with Debian's /usr/bin/python3 (numpy 1.24, torch 1.13):
    /usr/bin/python3 tests/vectors/gen_llm_awq.py
Writes tests/vectors/llm_awq_golden.bin.

Reference (transcribed for this script, nothing imported or copied): AutoAWQ
awq/modules/linear/gemm.py WQLinear_GEMM.from_linear. The integer weight
intweight is [in, out] (the [out, in] codes transposed); for every group of
8 output columns, word column `col` gets intweight[:, col*8 + order_map[i]]
<< (4*i) with order_map = [0, 2, 4, 6, 1, 3, 5, 7] (AWQ_ORDER), in torch
int32 arithmetic; qzeros packs the zeros [in/group, out] the same way (no
offset); scales are stored [in/group, out] as .half(). The codes, zeros and
scales fed to it come from llm-awq's pseudo_quantize_tensor(zero_point=True)
rule (as in gen_llm.py) on random weights, grouped along the input.

File: b"LQAWQ001", u32 ncases, then per case u32 rows (out), cols (in),
group, then q u8 [rows*cols], zeros i32 [rows*ngroups], scales f32
[rows*ngroups], qweight u32 [cols*rows/8], qzeros u32 [ngroups*rows/8],
scales_f16 u16 [ngroups*rows]; little-endian.
"""
import os
import struct
import sys

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "llm_awq_golden.bin")
ORDER = [0, 2, 4, 6, 1, 3, 5, 7]


def awq_rule(w, group):  # [out, in] -> codes [out, in], scales/zeros [out, in/group]
    rows, cols = w.shape
    g = w.reshape(-1, group)
    mx = g.amax(dim=1, keepdim=True)
    mn = g.amin(dim=1, keepdim=True)
    scales = (mx - mn).clamp(min=1e-5) / 15
    zeros = (-torch.round(mn / scales)).clamp_(0, 15)
    q = torch.clamp(torch.round(g / scales) + zeros, 0, 15)
    return (q.reshape(rows, cols).to(torch.int32), scales.reshape(rows, cols // group),
            zeros.reshape(rows, cols // group).to(torch.int32))


def autoawq_pack(intweight_out_in, zeros_out_g):
    intweight = intweight_out_in.t().contiguous().to(torch.int32)  # [in, out]
    qweight = torch.zeros((intweight.shape[0], intweight.shape[1] // 8), dtype=torch.int32)
    for col in range(intweight.shape[1] // 8):
        for i in range(8):
            qweight[:, col] |= intweight[:, col * 8 + ORDER[i]] << (i * 4)
    zeros = zeros_out_g.t().contiguous().to(torch.int32)  # [in/group, out]
    qzeros = torch.zeros((zeros.shape[0], zeros.shape[1] // 8), dtype=torch.int32)
    for col in range(zeros.shape[1] // 8):
        for i in range(8):
            qzeros[:, col] |= zeros[:, col * 8 + ORDER[i]] << (i * 4)
    return qweight, qzeros


def main():
    cases = [(8, 32, 32, 1), (16, 64, 32, 2), (24, 128, 128, 3), (32, 256, 64, 4)]
    blob = b""
    for rows, cols, group, seed in cases:
        torch.manual_seed(seed)
        w = torch.randn(rows, cols) * 0.05
        w[0, :group] = torch.abs(w[0, :group])  # an all-positive group: zero = 0
        q, scales, zeros = awq_rule(w, group)
        qweight, qzeros = autoawq_pack(q, zeros)
        sf16 = scales.t().contiguous().half()
        blob += struct.pack("<3I", rows, cols, group)
        blob += q.numpy().astype(np.uint8).tobytes() + zeros.numpy().astype(np.int32).tobytes()
        blob += scales.numpy().astype(np.float32).tobytes()
        blob += qweight.numpy().view(np.uint32).tobytes() + qzeros.numpy().view(np.uint32).tobytes()
        blob += sf16.numpy().view(np.uint16).tobytes()
    with open(OUT, "wb") as f:
        f.write(b"LQAWQ001" + struct.pack("<I", len(cases)) + blob)
    print("wrote %s: %d cases, %d bytes" % (OUT, len(cases), os.path.getsize(OUT)), file=sys.stderr)


if __name__ == "__main__":
    main()
