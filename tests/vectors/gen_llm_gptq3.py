#!/usr/bin/python3
"""Golden vectors for libquant's AutoGPTQ int32 packing incl. 3 bits
(tests/test_llm_gptq3.c).

Run with Debian's /usr/bin/python3 (numpy 1.24, torch 1.13):
    /usr/bin/python3 tests/vectors/gen_llm_gptq3.py
Writes tests/vectors/llm_gptq3_golden.bin.

Reference (transcribed for this script in numpy, nothing imported or
copied): AutoGPTQ auto_gptq/nn_modules/qlinear/qlinear_cuda_old.py
QuantLinear.pack. intweight is [in, out] (the [out, in] codes transposed);
qweight [in/32*bits, out] is filled row by row: bits 2/4/8 put 32/bits
consecutive input rows in one word, LSB first; bits 3 puts 32 input rows in
3 words: word 0 = v0..v9 at 3k, v10 << 30; word 1 = v10 >> 2, v11..v20 at
3k+1, v21 << 31; word 2 = (v21 >> 1) & 3, v22..v31 at 3k+2 (uint32
arithmetic, so the shifts past bit 31 drop the high bits). qzeros
[groups, out/32*bits] packs zeros - 1 ([groups, out]) the same way along
the output dimension. Zeros are drawn from 1..2^bits-1 here (AutoGPTQ does
not mask zero - 1 = -1, so a zero of 0 would spill into the neighbours).
The script also checks its packing against a transcription of the same
file's forward() 3-bit unpacking (wf shifts + the two straddling fixups).

File: b"LQGPTQ01", u32 ncases, then per case u32 bits, rows (out), cols
(in), ngroups, then q u8 [rows*cols] (row-major [out, in]), zeros i32
[rows*ngroups], qweight u32 [cols*bits/32*rows], qzeros u32
[ngroups*rows*bits/32]; little-endian.
"""
import os
import struct
import sys

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "llm_gptq3_golden.bin")


def pack_rows(intweight, bits):  # intweight uint32 [n, m] -> [n/32*bits, m], packing along axis 0
    qweight = np.zeros((intweight.shape[0] // 32 * bits, intweight.shape[1]), dtype=np.uint32)
    i = 0
    row = 0
    while row < qweight.shape[0]:
        if bits in (2, 4, 8):
            for j in range(i, i + 32 // bits):
                qweight[row] |= intweight[j] << np.uint32(bits * (j - i))
            i += 32 // bits
            row += 1
        else:
            for j in range(i, i + 10):
                qweight[row] |= intweight[j] << np.uint32(3 * (j - i))
            i += 10
            qweight[row] |= intweight[i] << np.uint32(30)
            row += 1
            qweight[row] |= (intweight[i] >> np.uint32(2)) & np.uint32(1)
            i += 1
            for j in range(i, i + 10):
                qweight[row] |= intweight[j] << np.uint32(3 * (j - i) + 1)
            i += 10
            qweight[row] |= intweight[i] << np.uint32(31)
            row += 1
            qweight[row] |= (intweight[i] >> np.uint32(1)) & np.uint32(3)
            i += 1
            for j in range(i, i + 10):
                qweight[row] |= intweight[j] << np.uint32(3 * (j - i) + 2)
            i += 10
            row += 1
    return qweight


def unpack3_forward(qweight):  # forward()'s 3-bit weight unpacking, [in/32*3, out] -> [in, out]
    wf = torch.tensor([[0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 0],
                       [0, 1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31],
                       [0, 2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 0]], dtype=torch.int32).reshape(1, 3, 12)
    qw = torch.from_numpy(qweight.astype(np.int32))
    weight = qw.reshape(qw.shape[0] // 3, 3, 1, qw.shape[1]).expand(-1, -1, 12, -1)
    weight = (weight >> wf.unsqueeze(-1)) & 0x7
    weight[:, 0, 10] = (weight[:, 0, 10] & 0x3) | ((weight[:, 1, 0] << 2) & 0x4)
    weight[:, 1, 11] = (weight[:, 1, 11] & 0x1) | ((weight[:, 2, 0] << 1) & 0x6)
    weight = weight & 0x7
    weight = torch.cat([weight[:, 0, :11], weight[:, 1, 1:12], weight[:, 2, 1:11]], dim=1)
    return weight.reshape(-1, weight.shape[2]).numpy()


def main():
    # (bits, rows = out, cols = in, ngroups)
    cases = [(3, 32, 32, 1), (3, 64, 128, 4), (3, 96, 256, 2), (3, 32, 64, 64), (2, 32, 64, 2), (4, 32, 64, 2),
             (8, 32, 64, 1)]
    rng = np.random.default_rng(2026)
    blob = b""
    for bits, rows, cols, ngroups in cases:
        maxq = (1 << bits) - 1
        q = rng.integers(0, maxq + 1, size=(rows, cols), dtype=np.uint32)
        q[0, :] = maxq  # all-ones fields, the straddling ones included
        q[1, :] = 0
        zeros = rng.integers(1, maxq + 1, size=(rows, ngroups), dtype=np.int64)
        zeros[rows - 1, :] = maxq
        qweight = pack_rows(np.ascontiguousarray(q.T), bits)  # intweight [in, out]
        qzeros = pack_rows(np.ascontiguousarray((zeros - 1).astype(np.uint32)), bits).T  # along out
        qzeros = np.ascontiguousarray(qzeros)  # [ngroups, rows/32*bits]
        if bits == 3:
            assert np.array_equal(unpack3_forward(qweight), q.T.astype(np.int64)), "3-bit forward unpack"
        blob += struct.pack("<4I", bits, rows, cols, ngroups)
        blob += q.astype(np.uint8).tobytes() + zeros.astype(np.int32).tobytes()
        blob += qweight.astype(np.uint32).tobytes() + qzeros.astype(np.uint32).tobytes()
    with open(OUT, "wb") as f:
        f.write(b"LQGPTQ01" + struct.pack("<I", len(cases)) + blob)
    print("wrote %s: %d cases, %d bytes" % (OUT, len(cases), os.path.getsize(OUT)), file=sys.stderr)


if __name__ == "__main__":
    main()
