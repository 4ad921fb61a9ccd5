#!/usr/bin/python3
"""Golden vectors for libquant's llmrt module (tests/test_llmrt.c).

Run with Debian's /usr/bin/python3 (numpy 1.24, torch 1.13):
    /usr/bin/python3 tests/vectors/gen_llmrt.py
Writes tests/vectors/llmrt_golden.bin. References (transcriptions written for
this script, nothing third-party is imported except torch/numpy):

* LLM.int8(): bitsandbytes' default backend int8_vectorwise_quant (outliers
  |x| >= threshold zeroed before the row absmax, q = round(A * (127 /
  row_stats)) in float32, outlier columns zeroed) and int8_mixed_scaled_mm
  (int8 part dequantized by row_stats x col_stats / 127^2 plus the 16-bit
  outlier columns times the outlier weight columns); the products are
  evaluated in int64 / float64.
* KIVI: the cache rule of docs/llmrt.md (residual R, groups of G, keys per
  channel, values per token, asymmetric min/max, torch.round) simulated
  token by token in float32 torch; attention in float64.
* QLoRA: NF4 + double quantization by gen_llm.py's bitsandbytes transcription
  (imported), dequantized in float32; forward and gradients by torch autograd
  in float64 on the dequantized weight.

File format: "LQGOLD01", u32 record count, then records [u32 name_len][name]
[u32 n_arrays] and per array [u8 kind ('f' f32, 'd' f64, 'b' u8, 'i' i32,
'h' u16)][u64 n_bytes][bytes], little-endian.
"""
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_llm  # noqa: E402  (bitsandbytes NF4 / blockwise / dynamic map transcription)

F = np.float32
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "llmrt_golden.bin")
records = []
KINDS = {np.dtype(np.float32): b"f", np.dtype(np.float64): b"d", np.dtype(np.uint8): b"b",
         np.dtype(np.int32): b"i", np.dtype(np.uint16): b"h"}


def rec(name, *arrays):
    parts = []
    for a in arrays:
        a = np.ascontiguousarray(a)
        raw = a.tobytes()
        parts.append(KINDS[a.dtype] + struct.pack("<Q", len(raw)) + raw)
    nb = name.encode()
    records.append(struct.pack("<I", len(nb)) + nb + struct.pack("<I", len(parts)) + b"".join(parts))


def half_bits(t, kind):  # float32 tensor -> uint16 bits of f16 (0) / bf16 (1), RNE
    h = t.to(torch.float16 if kind == 0 else torch.bfloat16)
    return h.view(torch.int16).numpy().view(np.uint16), h.float()


# ============================================================ LLM.int8() ===
def int8_rows(A, threshold):
    A = A.clone()
    cols = torch.zeros(0, dtype=torch.int64)
    if threshold > 0:
        out = A.abs() >= threshold
        cols = torch.argwhere(out.any(dim=0)).view(-1)
        A[out] = 0
    row_stats = A.abs().max(dim=1).values.float()
    q = torch.round(A * (127.0 / row_stats.unsqueeze(-1)))
    q[row_stats == 0] = 0
    q = q.to(torch.int8)
    if cols.numel():
        q[:, cols] = 0
    return q, row_stats, cols


def gen_int8():
    cases = [  # name, m, k, n, threshold (0 = default 6), half kind, fp16 weights, no_outliers, seed
        ("small", 5, 37, 9, 0.0, 0, 0, 0, 1),
        ("bf16", 8, 64, 12, 0.0, 1, 0, 0, 2),
        ("whalf", 7, 96, 10, 0.0, 0, 1, 0, 3),
        ("thr3", 16, 130, 17, 3.0, 0, 0, 0, 4),
        ("plain", 6, 48, 5, 0.0, 0, 0, 1, 5),
        ("tall", 70, 33, 67, 0.0, 0, 0, 0, 6),
        ("one", 1, 40, 3, 0.0, 0, 0, 0, 7),
    ]
    for name, m, k, n, thr, hk, whalf, plain, seed in cases:
        rng = np.random.RandomState(seed)
        x = rng.randn(m, k).astype(F)
        for c in rng.choice(k, size=max(1, k // 16), replace=False):  # outlier feature dimensions
            rows = rng.rand(m) < 0.5
            x[rows, c] = (rng.choice([-1, 1], size=rows.sum()) * rng.uniform(6.5, 40, size=rows.sum())).astype(F)
        x[0, 0] = F(6.0) if k > 0 else x[0, 0]  # exactly at the threshold: an outlier (>=)
        w = (rng.randn(n, k) * 0.05).astype(F)
        eff = 0.0 if plain else (thr if thr > 0 else 6.0)
        xq, xs, cols = int8_rows(torch.from_numpy(x), eff)
        wq, ws, _ = int8_rows(torch.from_numpy(w), 0.0)
        xh_bits, xh = half_bits(torch.from_numpy(x)[:, cols], hk)
        if whalf:
            wh_bits, wo = half_bits(torch.from_numpy(w), 0)
        else:
            wh_bits = np.zeros(0, np.uint16)
            wo = (wq.float() * ws.unsqueeze(1)) / 127.0  # float32 as the library computes it
        acc = xq.long() @ wq.long().T
        y = acc.double() * (xs.double().unsqueeze(1) * ws.double().unsqueeze(0)) / 16129.0
        mag = acc.abs().double() * (xs.double().unsqueeze(1) * ws.double().unsqueeze(0)) / 16129.0
        if cols.numel():
            wsel = wo[:, cols].double()
            y = y + xh.double() @ wsel.T
            mag = mag + xh.double().abs() @ wsel.abs().T
        rec("int8_" + name, np.array([m, k, n, hk, whalf, plain, cols.numel()], np.int32), np.array([thr], F),
            x, w, xq.numpy().view(np.uint8), xs.numpy(), cols.numpy().astype(np.int32), xh_bits.reshape(-1),
            wq.numpy().view(np.uint8), ws.numpy(), wh_bits.reshape(-1), acc.numpy().astype(np.int32),
            y.numpy(), mag.numpy())


# ================================================================== KIVI ===
def kivi_group(v, maxq):  # v: float32 tensor of one group -> dequantized group
    mn, mx = v.min(), v.max()
    scale = (mx - mn) / float(maxq)
    if scale.item() == 0.0:
        q = torch.zeros_like(v)
    else:
        q = torch.round(torch.clamp((v - mn) / scale, 0, maxq))
    return q * scale + mn


def kivi_simulate(K, V, bits, G, R):
    maxq = 2 ** bits - 1
    n, d = K.shape
    khat, vhat = K.clone(), V.clone()
    nq, nres = 0, 0
    for _ in range(n):
        nres += 1
        if nres == R + G:  # quantize the oldest G residual tokens
            blk = slice(nq, nq + G)
            for c in range(d):
                khat[blk, c] = kivi_group(K[blk, c], maxq)
            for t in range(nq, nq + G):
                for g0 in range(0, d, G):
                    vhat[t, g0:g0 + G] = kivi_group(V[t, g0:g0 + G], maxq)
            nq += G
            nres -= G
    return khat, vhat, nq


def gen_kivi():
    cases = [  # d, bits, G, R (config value: 0 = 128, -1 = none), tokens, seed
        (64, 2, 32, 0, 300, 11), (64, 4, 32, 0, 300, 12), (32, 2, 32, -1, 100, 13),
        (128, 4, 32, 16, 90, 14), (16, 2, 8, 5, 61, 15), (64, 2, 32, 0, 100, 16)]
    for d, bits, G, Rcfg, n, seed in cases:
        R = 128 if Rcfg == 0 else (0 if Rcfg < 0 else Rcfg)
        rng = np.random.RandomState(seed)
        K = rng.randn(n, d).astype(F)
        K[:, rng.choice(d, size=max(1, d // 16), replace=False)] *= F(6.0)  # outlier key channels (KIVI fig. 2)
        V = rng.randn(n, d).astype(F)
        q = rng.randn(d).astype(F)
        kh, vh, nq = kivi_simulate(torch.from_numpy(K), torch.from_numpy(V), bits, G, R)
        scale = float(F(1.0) / np.sqrt(F(d)))
        s64 = kh.double() @ torch.from_numpy(q).double()
        p64 = torch.softmax(s64 * scale, dim=0)
        o64 = p64 @ vh.double()
        smag = kh.double().abs() @ torch.from_numpy(q).double().abs()
        rec("kivi_d%d_b%d_g%d_r%d_n%d" % (d, bits, G, Rcfg, n), np.array([d, bits, G, Rcfg, n, nq], np.int32),
            K, V, q, kh.numpy(), vh.numpy(), s64.numpy(), smag.numpy(), p64.numpy(), o64.numpy())


# ================================================================= QLoRA ===
def gen_qlora():
    cases = [  # out, in, blocksize, rank, alpha, double quant, batch, seed
        (24, 40, 64, 4, 8.0, 1, 3, 21), (17, 33, 32, 3, 16.0, 0, 2, 22), (40, 520, 64, 8, 16.0, 1, 4, 23),
        (300, 64, 128, 2, 4.0, 1, 2, 24)]
    for out, inn, bs, r, alpha, dq, batch, seed in cases:
        rng = np.random.RandomState(seed)
        W = (rng.randn(out, inn) * 0.05).astype(F)
        packed, absmax = gen_llm.bnb_quantize_4bit(W.reshape(-1), bs, "nf4")
        if dq:
            offset = F(float(np.sum(absmax.astype(np.float64))) / absmax.size)  # the library's exact mean
            q2, nested = gen_llm.bnb_quantize_blockwise((absmax - offset).astype(F), 256)
            am = (gen_llm.DYN[torch.from_numpy(q2).long()] *
                  torch.from_numpy(np.repeat(nested, 256)[: absmax.size]) + torch.tensor(offset)).numpy().astype(F)
        else:
            offset, q2, nested, am = F(0), np.zeros(0, np.uint8), np.zeros(0, F), absmax
        Wd = gen_llm.bnb_dequantize_4bit(packed, am, out * inn, bs, "nf4").astype(F).reshape(out, inn)
        A = (rng.uniform(-1, 1, (r, inn)) / np.sqrt(inn)).astype(F)
        B = (rng.randn(out, r) * 0.1).astype(F)
        x = rng.randn(batch, inn).astype(F)
        dy = rng.randn(batch, out).astype(F)
        s = float(F(alpha) / F(r))
        Wt = torch.from_numpy(Wd).double()
        At = torch.from_numpy(A).double().requires_grad_()
        Bt = torch.from_numpy(B).double().requires_grad_()
        xt = torch.from_numpy(x).double().requires_grad_()
        y = xt @ Wt.T + s * (xt @ At.T) @ Bt.T
        (y * torch.from_numpy(dy).double()).sum().backward()
        xa, Aa, Ba, Wa, dya = (torch.from_numpy(v).double().abs() for v in (x, A, B, Wd, dy))
        ymag = xa @ Wa.T + s * (xa @ Aa.T) @ Ba.T
        g = dya @ Ba
        damag = s * g.T @ xa
        dbmag = s * dya.T @ (xa @ Aa.T)
        dxmag = dya @ Wa + s * g @ Aa
        rec("qlora_o%d_i%d_bs%d_r%d_dq%d" % (out, inn, bs, r, dq),
            np.array([out, inn, bs, r, dq, batch], np.int32), np.array([alpha, offset], F),
            W, packed.astype(np.uint8), absmax.astype(F), q2.astype(np.uint8), nested.astype(F), Wd, A, B, x, dy,
            y.detach().numpy(), At.grad.numpy(), Bt.grad.numpy(), xt.grad.numpy(),
            ymag.numpy(), damag.numpy(), dbmag.numpy(), dxmag.numpy())


if __name__ == "__main__":
    gen_int8()
    gen_kivi()
    gen_qlora()
    with open(OUT, "wb") as f:
        f.write(b"LQGOLD01" + struct.pack("<I", len(records)) + b"".join(records))
    print("wrote %s: %d records, %d bytes" % (OUT, len(records), os.path.getsize(OUT)), file=sys.stderr)
