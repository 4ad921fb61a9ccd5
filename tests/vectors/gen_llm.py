#!/usr/bin/python3
"""Golden vectors for libquant's llm module (tests/test_llm.c).

Run with Debian's /usr/bin/python3 (numpy 1.24, torch 1.13):
    /usr/bin/python3 tests/vectors/gen_llm.py
Writes tests/vectors/llm_golden.bin. Each reference below is a transcription
written for this script (no third-party code is imported or copied):

* bitsandbytes 4-bit / 8-bit blockwise and double quantization: the default
  (pure PyTorch) backend's algorithm, backends/default/ops.py quantize_4bit /
  quantize_blockwise / dequantize_*, functional.quantize_4bit(
  compress_statistics=True), run here with torch 1.13 float32 ops. FP4 uses
  the CUDA dQuantizeFP4 decision tree (sign from x < 0).
* OCP FP8/FP6/FP4 and MX: an independent exact reference: every value of a
  format is enumerated from its definition, encoding is exact nearest with
  ties to the even code (IEEE roundTiesToEven), decided in float64 where
  all midpoints are exact.
* ggml: quantize_row_*_ref and dequantize_row_* of ggml-quants.c transcribed
  with numpy float32 scalars, one rounding per C operation, no FMA (ggml has
  no installable package on this Debian: `apt-cache search ggml` and
  `apt-cache search llama` are empty).

File format: repeated records [u32 name_len][name][u32 n_arrays] then per
array [u8 kind ('f' float32, 'b' uint8, 'i' int32)][u64 n_bytes][bytes],
little-endian.
"""
import math
import os
import struct
import sys

import numpy as np
import torch

F = np.float32
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "llm_golden.bin")
records = []


def rec(name, *arrays):
    parts = []
    for a in arrays:
        a = np.ascontiguousarray(a)
        if a.dtype == np.float32:
            kind = b"f"
        elif a.dtype == np.uint8:
            kind = b"b"
        elif a.dtype == np.int32:
            kind = b"i"
        else:
            raise TypeError(a.dtype)
        raw = a.tobytes()
        parts.append(kind + struct.pack("<Q", len(raw)) + raw)
    nb = name.encode()
    records.append(struct.pack("<I", len(nb)) + nb + struct.pack("<I", len(parts)) + b"".join(parts))


# --------------------------------------------------------------- data ---
def data(kind, n, seed):
    rng = np.random.RandomState(seed)
    if kind == "normal":
        return rng.standard_normal(n).astype(np.float32)
    if kind == "tiny":  # subnormal blocks: 1/d overflows in ggml's legacy quantizers
        return (rng.standard_normal(n) * 1e-39).astype(np.float32)
    if kind == "cos":  # ggml test-quantize-fns synthetic data
        return (0.1 + 2 * np.cos(np.arange(n, dtype=np.float64) + seed)).astype(np.float32)
    if kind == "mixed":
        x = (rng.standard_normal(n) * np.exp(rng.uniform(-6, 3, n))).astype(np.float32)
        # awkward blocks: zeros, constants, a lone outlier, +-ties of the max
        if n >= 64:
            x[0:32] = 0.0
            x[32:64] = F(0.75)
        if n >= 128:
            x[64:96] = F(1e-3) * rng.standard_normal(32).astype(np.float32)
            x[70] = F(-37.5)
        if n >= 160:
            x[96:128] = rng.uniform(-1, 1, 32).astype(np.float32)
            x[100] = F(2.5)
            x[99] = F(-2.5)
        return x
    raise ValueError(kind)


# ===================================================== bitsandbytes ===
NF4 = [-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
       -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
       0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
       0.7229568362236023, 1.0]
FP4 = torch.tensor([0, 0.0625, 8.0, 12.0, 4.0, 6.0, 2.0, 3.0, -0, -0.0625, -8.0, -12.0, -4.0, -6.0, -2.0, -3.0])
FP4 = FP4 / FP4.abs().max()
NF4T = torch.tensor(NF4, dtype=torch.float32)


def create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8):
    data_ = []
    non_sign_bits = total_bits - 1
    for i in range(max_exponent_bits):
        fraction_items = int(2 ** (i + non_sign_bits - max_exponent_bits) + 1)
        boundaries = torch.linspace(0.1, 1, fraction_items)
        means = (boundaries[:-1] + boundaries[1:]) / 2.0
        data_ += ((10 ** (-(max_exponent_bits - 1) + i)) * means).tolist()
        if signed:
            data_ += (-(10 ** (-(max_exponent_bits - 1) + i)) * means).tolist()
    data_.append(0)
    data_.append(1.0)
    assert len(data_) == 256
    data_.sort()
    return torch.Tensor(data_)


DYN = create_dynamic_map()


def blockwise_scale(A, blocksize):
    """Shared front of quantize_4bit / quantize_blockwise (default backend)."""
    A_flat = A.reshape(-1).float()
    n = A_flat.numel()
    rem = n % blocksize
    full = n - rem
    blocks = full // blocksize
    A_com = A_flat[:full].reshape(blocks, blocksize)
    absmax = A_com.abs().max(dim=-1)[0] if blocks else torch.zeros(0)
    scaled = torch.clamp(A_com * (1.0 / absmax.clamp(min=1e-38).view(-1, 1)), -1, 1).reshape(-1)
    if rem:
        am = A_flat[full:].abs().max().clamp(min=1e-38)
        absmax = torch.cat([absmax, am.unsqueeze(0)])
        scaled = torch.cat([scaled, torch.clamp(A_flat[full:] / am, -1, 1)])
    return scaled, absmax


def fp4_cuda_code(v):
    sign = 8 if v < 0 else 0
    v = abs(v)
    f = lambda c: float(np.float32(c))
    if v > f(0.29166667):
        if v > f(0.583333):
            c = 3 if v > f(0.8333333) else 2
        else:
            c = 5 if v > f(0.4166667) else 4
    elif v > f(0.0859375):
        c = 7 if v > f(0.20833333) else 6
    else:
        c = 1 if v > f(0.00260417) else 0
    return sign | c


def bnb_quantize_4bit(x, blocksize, qtype):
    A = torch.from_numpy(x)
    scaled, absmax = blockwise_scale(A, blocksize)
    if scaled.numel() % 2:
        scaled = torch.nn.functional.pad(scaled, (0, 1))
    if qtype == "nf4":
        bounds = (NF4T[:-1] + NF4T[1:]) / 2
        q = torch.bucketize(scaled, bounds, out_int32=True).to(torch.uint8)
    else:
        q = torch.tensor([fp4_cuda_code(float(v)) for v in scaled.tolist()], dtype=torch.uint8)
    packed = (q[::2] << 4) | q[1::2]
    return packed.numpy(), absmax.numpy().astype(np.float32)


def bnb_dequantize_4bit(packed, absmax, n, blocksize, qtype):
    code = NF4T if qtype == "nf4" else FP4
    A = torch.from_numpy(packed)
    out_dq = torch.empty(A.numel() * 2, dtype=torch.int64)
    out_dq[1::2] = (A & 0xF).long()
    out_dq[::2] = (A >> 4).long()
    out_dq = code[out_dq][:n]
    am = torch.from_numpy(absmax)
    rem = n % blocksize
    full = n - rem
    out = torch.empty(n)
    out[:full] = (out_dq[:full].view(-1, blocksize) * am[: full // blocksize].view(-1, 1)).reshape(-1)
    if rem:
        out[full:] = out_dq[full:] * am[full // blocksize]
    return out.numpy()


def bnb_quantize_blockwise(x, blocksize):
    scaled, absmax = blockwise_scale(torch.from_numpy(x), blocksize)
    bounds = (DYN[:-1] + DYN[1:]) / 2
    q = torch.bucketize(scaled, bounds, out_int32=True).to(torch.uint8)
    return q.numpy(), absmax.numpy().astype(np.float32)


def gen_bnb():
    rec("bnb_dynamic_map", DYN.numpy().astype(np.float32))
    # Self-check: the NF4 midpoints equal the CUDA decision-tree constants in float32.
    cuda = [-0.8480964004993439, -0.6106329262256622, -0.4599952697753906, -0.33967943489551544,
            -0.23460740596055984, -0.13791173323988914, -0.045525018125772476, 0.03979014977812767,
            0.1202552504837513, 0.2035212516784668, 0.2920137718319893, 0.3893125355243683,
            0.5016634166240692, 0.6427869200706482, 0.8614784181118011]
    assert all(F(c) == F(b) for c, b in zip(cuda, ((NF4T[:-1] + NF4T[1:]) / 2).tolist()))
    cases = [("nf4", 64, 1000, "normal", 1), ("nf4", 64, 777, "mixed", 2), ("nf4", 32, 333, "cos", 3),
             ("nf4", 128, 4096, "normal", 4), ("nf4", 4096, 9001, "normal", 5), ("nf4", 256, 255, "mixed", 6),
             ("nf4", 64, 1, "normal", 7), ("fp4", 64, 1000, "normal", 11), ("fp4", 64, 777, "mixed", 12),
             ("fp4", 2048, 5000, "cos", 13)]
    for qtype, bs, n, kind, seed in cases:
        x = data(kind, n, seed)
        packed, absmax = bnb_quantize_4bit(x, bs, qtype)
        y = bnb_dequantize_4bit(packed, absmax, n, bs, qtype)
        rec("bnb4_%s_bs%d_n%d_%s" % (qtype, bs, n, kind), np.array([bs, n, qtype == "fp4"], np.int32), x,
            packed.astype(np.uint8), absmax, y.astype(np.float32))
    # Exact-midpoint inputs: ties go to the lower code (x == bound is not "> bound").
    bounds = ((NF4T[:-1] + NF4T[1:]) / 2).numpy()
    x = np.concatenate([[1.0], bounds, -bounds[::-1], np.nextafter(bounds, F(2)), [0.0] * 2]).astype(np.float32)
    x = x[:64] if x.size >= 64 else np.concatenate([x, np.zeros(64 - x.size, np.float32)])
    packed, absmax = bnb_quantize_4bit(x, 64, "nf4")
    rec("bnb4_nf4_ties", np.array([64, 64, 0], np.int32), x, packed.astype(np.uint8), absmax,
        bnb_dequantize_4bit(packed, absmax, 64, 64, "nf4").astype(np.float32))
    # FP4 decision-tree thresholds, exactly and one float32 ulp either side, both signs.
    th = np.array([0.29166667, 0.583333, 0.8333333, 0.4166667, 0.0859375, 0.20833333, 0.00260417], np.float32)
    pts = np.concatenate([th, np.nextafter(th, F(2)), np.nextafter(th, F(0))])
    x = np.concatenate([[1.0], pts, -pts, [0.0, -0.0]]).astype(np.float32)
    x = np.concatenate([x, np.zeros(64 - x.size, np.float32)])
    packed, absmax = bnb_quantize_4bit(x, 64, "fp4")
    rec("bnb4_fp4_ties", np.array([64, 64, 1], np.int32), x, packed.astype(np.uint8), absmax,
        bnb_dequantize_4bit(packed, absmax, 64, 64, "fp4").astype(np.float32))
    # 8-bit blockwise with the dynamic map.
    for bs, n, seed in [(4096, 5000, 21), (256, 700, 22), (64, 64, 23)]:
        x = data("mixed", n, seed)
        q, am = bnb_quantize_blockwise(x, bs)
        y = (DYN[torch.from_numpy(q).long()].reshape(-1) *
             torch.from_numpy(np.repeat(am, bs)[:n])).numpy().astype(np.float32)
        rec("bnb8_bs%d_n%d" % (bs, n), np.array([bs, n], np.int32), x, q, am, y)
    # Double quantization of an NF4 absmax vector (blocksize 64, compress_statistics=True).
    for n, seed in [(64 * 600, 31), (64 * 256, 32), (64 * 10, 33)]:
        w = (data("normal", n, seed) * F(0.02)).astype(np.float32)
        _, absmax = bnb_quantize_4bit(w, 64, "nf4")
        am = torch.from_numpy(absmax.copy())
        offset = am.mean()
        exact = F(float(np.sum(absmax.astype(np.float64))) / absmax.size)
        ulps = abs(int(np.array([offset.item()], np.float32).view(np.int32)[0]) - int(np.array([exact]).view(np.int32)[0]))
        print("double quant n=%d: torch mean vs exact mean: %d ulp" % (absmax.size, ulps), file=sys.stderr)
        am -= offset
        q, nested = bnb_quantize_blockwise(am.numpy(), 256)
        deq = (DYN[torch.from_numpy(q).long()] * torch.from_numpy(np.repeat(nested, 256)[: absmax.size]) +
               offset).numpy().astype(np.float32)
        rec("bnb_dq_n%d" % absmax.size, absmax, q, nested, np.array([offset.item()], np.float32), deq)


# ================================================== OCP minifloats ===
FMTS = {  # name: (ebits, mbits, bias, max_code, has_inf, has_nan)
    "e4m3": (4, 3, 7, 0x7E, False, True), "e5m2": (5, 2, 15, 0x7B, True, True),
    "e2m3": (2, 3, 1, 0x1F, False, False), "e3m2": (3, 2, 3, 0x1F, False, False),
    "e2m1": (2, 1, 1, 0x07, False, False)}


def mf_value(fmt, mag):
    e_bits, m_bits, bias = FMTS[fmt][:3]
    e, m = mag >> m_bits, mag & ((1 << m_bits) - 1)
    if e == 0:
        return m * 2.0 ** (1 - bias - m_bits)
    return (1 + m / 2.0 ** m_bits) * 2.0 ** (e - bias)


def mf_decode(fmt, code):
    e_bits, m_bits, bias, max_code, has_inf, has_nan = FMTS[fmt]
    width = 1 + e_bits + m_bits
    code &= (1 << width) - 1
    sign = -1.0 if code >> (width - 1) else 1.0
    mag = code & ((1 << (width - 1)) - 1)
    if has_inf and (mag >> m_bits) == (1 << e_bits) - 1:
        return sign * math.inf if (mag & ((1 << m_bits) - 1)) == 0 else math.nan
    if fmt == "e4m3" and mag == 0x7F:
        return math.nan
    return sign * mf_value(fmt, mag)


def mf_encode(fmt, sat, x):
    e_bits, m_bits, bias, max_code, has_inf, has_nan = FMTS[fmt]
    width = 1 + e_bits + m_bits
    sign = (1 << (width - 1)) if math.copysign(1.0, x) < 0 else 0
    if math.isnan(x):
        return {"e4m3": 0x7F, "e5m2": 0x7E}[fmt]
    over = max_code if (sat or not has_nan) else (0x7C if has_inf else 0x7F)
    a = abs(x)
    if math.isinf(a):
        return sign | over
    # magnitudes 0..max_code+1, the last a virtual next value (2^emax*(2-...)+ulp)
    vals = [mf_value(fmt, c) for c in range(max_code + 1)]
    vals.append(vals[-1] + (vals[-1] - vals[-2]))
    # exact nearest, ties to the even code; float64 holds every midpoint exactly
    lo = 0
    for c in range(len(vals) - 1):
        if a >= vals[c + 1]:
            lo = c + 1
    if lo >= len(vals) - 1:
        c = len(vals) - 1
    else:
        mid = (vals[lo] + vals[lo + 1]) / 2
        if a < mid:
            c = lo
        elif a > mid:
            c = lo + 1
        else:
            c = lo if lo % 2 == 0 else lo + 1
    if c > max_code:
        return sign | over
    return sign | c


def gen_minifloat():
    for fi, fmt in enumerate(["e4m3", "e5m2", "e2m3", "e3m2", "e2m1"]):
        width = 1 + FMTS[fmt][0] + FMTS[fmt][1]
        codes = np.arange(1 << width, dtype=np.uint8)
        vals = np.array([mf_decode(fmt, int(c)) for c in codes], dtype=np.float32)
        rec("mf_decode_" + fmt, np.array([fi], np.int32), codes, vals)
        # dense encode sweep: every value, every midpoint and its float32
        # neighbours, a log-uniform spread, the overflow boundary, specials
        pts = set()
        finite = sorted(set(abs(float(v)) for v in vals if np.isfinite(v)))
        ext = finite + [finite[-1] + (finite[-1] - finite[-2])]
        for a, b in zip(ext[:-1], ext[1:]):
            for p in (a, (a + b) / 2):
                f = F(p)
                pts.update([float(f), float(np.nextafter(f, F(np.inf))), float(np.nextafter(f, F(0)))])
        rng = np.random.RandomState(100 + fi)
        pts.update(float(v) for v in (np.exp(rng.uniform(-25, 13, 3000))).astype(np.float32))
        pts.update([0.0, 1e-45, 1e30, 3.4028235e38, float(F(1e-40))])
        pts = sorted(pts)
        x = np.array(pts + [-p for p in pts] + [-0.0], dtype=np.float32)
        if FMTS[fmt][5]:
            x = np.concatenate([x, np.array([np.inf, -np.inf, np.nan], np.float32)])
        else:
            x = np.concatenate([x, np.array([np.inf, -np.inf], np.float32)])
        sat = np.array([mf_encode(fmt, True, float(v)) for v in x], np.uint8)
        nonsat = np.array([mf_encode(fmt, False, float(v)) for v in x], np.uint8)
        rec("mf_encode_" + fmt, np.array([fi], np.int32), x, sat, nonsat)


MX = [("mxfp4", "e2m1", 2, 16), ("mxfp6_e2m3", "e2m3", 2, 24), ("mxfp6_e3m2", "e3m2", 4, 24),
      ("mxfp8_e4m3", "e4m3", 8, 32), ("mxfp8_e5m2", "e5m2", 15, 32), ("mxint8", None, 0, 32)]


def mx_quantize(ti, x):
    name, elem, emax, payload = MX[ti]
    out = bytearray()
    for b in range(x.size // 32):
        xb = x[32 * b: 32 * b + 32].astype(np.float64)
        amax = float(np.max(np.abs(xb)))
        se = -127 if amax == 0 else min(127, max(-127, math.frexp(amax)[1] - 1 - emax))
        codes = []
        for v in xb:
            s = v / 2.0 ** se
            if elem is None:
                q = max(-127, min(127, round(s * 64)))  # Python round(): ties to even
                codes.append(q & 0xFF)
            else:
                codes.append(mf_encode(elem, True, s))
        pay = bytearray(payload)
        for j, c in enumerate(codes):
            if payload == 16:
                pay[j // 2] |= c << (4 * (j & 1))
            elif payload == 24:
                bit = 6 * j
                pay[bit // 8] |= (c << (bit % 8)) & 0xFF
                if bit % 8 > 2:
                    pay[bit // 8 + 1] |= c >> (8 - bit % 8)
            else:
                pay[j] = c
        out += bytes([se + 127]) + pay
    return np.frombuffer(bytes(out), np.uint8)


def gen_mx():
    for ti in range(len(MX)):
        for kind, seed in [("mixed", 41), ("normal", 42), ("cos", 43)]:
            x = data(kind, 256, seed + ti)
            rec("mx_%s_%s" % (MX[ti][0], kind), np.array([ti], np.int32), x, mx_quantize(ti, x))


# =============================================================== ggml ===
def fp16(f):
    return int(np.array([F(f)], np.float32).astype(np.float16).view(np.uint16)[0])


def h2f(h):
    return F(np.array([h], np.uint16).view(np.float16).astype(np.float32)[0])


def nearest_int(f):
    v = np.array([F(f) + F(12582912.0)], np.float32).view(np.int32)[0]
    return int((int(v) & 0x007FFFFF) - 0x00400000)


def c_int8(f):  # (int8_t)(float) as ggml gets it on x86: truncation; Inf/NaN -> 0
    f = float(f)
    return int(math.trunc(f)) if -128.5 < f < 128.5 else 0


def q4_0(x):
    out = bytearray()
    for i in range(x.size // 32):
        xb = x[32 * i: 32 * i + 32]
        amax, mx = F(0), F(0)
        for v in xb:
            if amax < abs(v):
                amax, mx = abs(v), v
        d = F(mx / F(-8))
        idv = F(F(1) / d) if d != 0 else F(0)
        qs = bytearray(16)
        for j in range(16):
            xi0 = min(15, c_int8(F(F(xb[j] * idv) + F(8.5))))
            xi1 = min(15, c_int8(F(F(xb[j + 16] * idv) + F(8.5))))
            qs[j] = xi0 | (xi1 << 4)
        out += struct.pack("<H", fp16(d)) + qs
    return out


def q4_1(x):
    out = bytearray()
    for i in range(x.size // 32):
        xb = x[32 * i: 32 * i + 32]
        mn, mx = F(3.4028235e38), F(-3.4028235e38)
        for v in xb:
            mn = v if v < mn else mn
            mx = v if v > mx else mx
        d = F(F(mx - mn) / F(15))
        idv = F(F(1) / d) if d != 0 else F(0)
        qs = bytearray(16)
        for j in range(16):
            xi0 = min(15, c_int8(F(F(F(xb[j] - mn) * idv) + F(0.5))))
            xi1 = min(15, c_int8(F(F(F(xb[j + 16] - mn) * idv) + F(0.5))))
            qs[j] = xi0 | (xi1 << 4)
        out += struct.pack("<HH", fp16(d), fp16(mn)) + qs
    return out


def q5(x, has_min):
    out = bytearray()
    for i in range(x.size // 32):
        xb = x[32 * i: 32 * i + 32]
        if has_min:
            mn, mx = F(3.4028235e38), F(-3.4028235e38)
            for v in xb:
                mn = v if v < mn else mn
                mx = v if v > mx else mx
            d = F(F(mx - mn) / F(31))
        else:
            amax, mx = F(0), F(0)
            for v in xb:
                if amax < abs(v):
                    amax, mx = abs(v), v
            d = F(mx / F(-16))
        idv = F(F(1) / d) if d != 0 else F(0)
        qs = bytearray(16)
        qh = 0
        for j in range(16):
            if has_min:
                xi0 = c_int8(F(F(F(xb[j] - mn) * idv) + F(0.5))) & 0xFF
                xi1 = c_int8(F(F(F(xb[j + 16] - mn) * idv) + F(0.5))) & 0xFF
            else:
                xi0 = min(31, c_int8(F(F(xb[j] * idv) + F(16.5))))
                xi1 = min(31, c_int8(F(F(xb[j + 16] * idv) + F(16.5))))
            qs[j] = (xi0 & 0x0F) | ((xi1 & 0x0F) << 4)
            qh |= ((xi0 & 0x10) >> 4) << j
            qh |= ((xi1 & 0x10) >> 4) << (j + 16)
        head = struct.pack("<HH", fp16(d), fp16(mn)) if has_min else struct.pack("<H", fp16(d))
        out += head + struct.pack("<I", qh) + qs
    return out


def q8_0(x):
    out = bytearray()
    for i in range(x.size // 32):
        xb = x[32 * i: 32 * i + 32]
        amax = F(0)
        for v in xb:
            amax = max(amax, abs(v))
        d = F(amax / F(127))
        idv = F(F(1) / d) if d != 0 else F(0)
        qs = []
        for v in xb:
            s = float(F(v * idv))  # roundf: half away from zero, exact in float64
            if not math.isfinite(s):
                qs.append(0)  # (int8_t)roundf(Inf/NaN) as on x86
                continue
            t = math.trunc(s)
            if abs(s - t) >= 0.5:
                t += 1 if s > 0 else -1
            qs.append(t)
        out += struct.pack("<H", fp16(d)) + struct.pack("<32b", *qs)
    return out


# ---- K-quants --------------------------------------------------------
GROUP_MAX_EPS = F(1e-15)


def make_qx_quants(n, nmax, x, L):
    mx, amax = F(0), F(0)
    for i in range(n):
        ax = abs(x[i])
        if ax > amax:
            amax, mx = ax, x[i]
    if amax < GROUP_MAX_EPS:
        for i in range(n):
            L[i] = 0
        return F(0)
    iscale = F(F(-nmax) / mx)
    sumlx, suml2 = F(0), F(0)
    for i in range(n):
        l = max(-nmax, min(nmax - 1, nearest_int(F(iscale * x[i]))))
        L[i] = l + nmax
        w = F(x[i] * x[i])
        sumlx = F(sumlx + F(F(w * x[i]) * F(l)))
        suml2 = F(suml2 + F(F(w * F(l)) * F(l)))
    scale = F(sumlx / suml2) if suml2 != 0 else F(0)
    best = F(scale * sumlx)
    for is_ in range(-9, 10):
        if is_ == 0:
            continue
        iscale = F(-F(F(nmax) + F(F(0.1) * F(is_))) / mx)
        sumlx, suml2 = F(0), F(0)
        for i in range(n):
            l = max(-nmax, min(nmax - 1, nearest_int(F(iscale * x[i]))))
            w = F(x[i] * x[i])
            sumlx = F(sumlx + F(F(w * x[i]) * F(l)))
            suml2 = F(suml2 + F(F(w * F(l)) * F(l)))
        if suml2 > 0 and F(sumlx * sumlx) > F(best * suml2):
            for i in range(n):
                L[i] = nmax + max(-nmax, min(nmax - 1, nearest_int(F(iscale * x[i]))))
            scale = F(sumlx / suml2)
            best = F(scale * sumlx)
    return scale


def make_q3_quants(n, nmax, x, L):
    mx, amax = F(0), F(0)
    for i in range(n):
        ax = abs(x[i])
        if ax > amax:
            amax, mx = ax, x[i]
    if amax < GROUP_MAX_EPS:
        for i in range(n):
            L[i] = 0
        return F(0)
    iscale = F(F(-nmax) / mx)
    sumlx, suml2 = F(0), F(0)
    for i in range(n):
        l = max(-nmax, min(nmax - 1, nearest_int(F(iscale * x[i]))))
        L[i] = l
        w = F(x[i] * x[i])
        sumlx = F(sumlx + F(F(w * x[i]) * F(l)))
        suml2 = F(suml2 + F(F(w * F(l)) * F(l)))
    for _ in range(5):
        n_changed = 0
        for i in range(n):
            w = F(x[i] * x[i])
            slx = F(sumlx - F(F(w * x[i]) * F(L[i])))
            if slx > 0:
                sl2 = F(suml2 - F(F(w * F(L[i])) * F(L[i])))
                new_l = max(-nmax, min(nmax - 1, nearest_int(F(F(x[i] * sl2) / slx))))
                if new_l != L[i]:
                    slx = F(slx + F(F(w * x[i]) * F(new_l)))
                    sl2 = F(sl2 + F(F(w * F(new_l)) * F(new_l)))
                    if sl2 > 0 and F(F(slx * slx) * suml2) > F(F(sumlx * sumlx) * sl2):
                        L[i] = new_l
                        sumlx, suml2 = slx, sl2
                        n_changed += 1
        if not n_changed:
            break
    for i in range(n):
        L[i] += nmax
    return F(sumlx / suml2) if suml2 > 0 else F(0)


def make_qkx2_quants(n, nmax, x, weights, L, rmin, rdelta, nstep, use_mad):
    mn, mx = x[0], x[0]
    sum_w = weights[0]
    sum_x = F(sum_w * x[0])
    for i in range(1, n):
        mn = x[i] if x[i] < mn else mn
        mx = x[i] if x[i] > mx else mx
        w = weights[i]
        sum_w = F(sum_w + w)
        sum_x = F(sum_x + F(w * x[i]))
    if mn > 0:
        mn = F(0)
    if mx == mn:
        for i in range(n):
            L[i] = 0
        return F(0), F(-mn)
    iscale = F(F(nmax) / F(mx - mn))
    scale = F(F(1) / iscale)
    best_error = F(0)
    for i in range(n):
        L[i] = max(0, min(nmax, nearest_int(F(iscale * F(x[i] - mn)))))
        diff = F(F(F(scale * F(L[i])) + mn) - x[i])
        diff = abs(diff) if use_mad else F(diff * diff)
        best_error = F(best_error + F(weights[i] * diff))
    Laux = [0] * n
    for is_ in range(nstep + 1):
        iscale = F(F(F(F(rmin) + F(F(rdelta) * F(is_))) + F(nmax)) / F(mx - mn))
        sum_l, sum_l2, sum_xl = F(0), F(0), F(0)
        for i in range(n):
            l = max(0, min(nmax, nearest_int(F(iscale * F(x[i] - mn)))))
            Laux[i] = l
            w = weights[i]
            sum_l = F(sum_l + F(w * F(l)))
            sum_l2 = F(sum_l2 + F(F(w * F(l)) * F(l)))
            sum_xl = F(sum_xl + F(F(w * F(l)) * x[i]))
        D = F(F(sum_w * sum_l2) - F(sum_l * sum_l))
        if D > 0:
            this_scale = F(F(F(sum_w * sum_xl) - F(sum_x * sum_l)) / D)
            this_min = F(F(F(sum_l2 * sum_x) - F(sum_l * sum_xl)) / D)
            if this_min > 0:
                this_min = F(0)
                this_scale = F(sum_xl / sum_l2)
            cur = F(0)
            for i in range(n):
                diff = F(F(F(this_scale * F(Laux[i])) + this_min) - x[i])
                diff = abs(diff) if use_mad else F(diff * diff)
                cur = F(cur + F(weights[i] * diff))
            if cur < best_error:
                L[:n] = Laux[:n]
                best_error, scale, mn = cur, this_scale, this_min
    return scale, F(-mn)


def get_scale_min_k4(j, q):
    if j < 4:
        return q[j] & 63, q[j + 4] & 63
    return (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4)


def q2_K(x):
    out = bytearray()
    for i in range(x.size // 256):
        xb = x[256 * i: 256 * i + 256]
        L = [0] * 256
        scales, mins = [F(0)] * 16, [F(0)] * 16
        max_scale, max_min = F(0), F(0)
        for j in range(16):
            sub = xb[16 * j: 16 * j + 16]
            w = [abs(v) for v in sub]
            Lj = [0] * 16
            scales[j], mins[j] = make_qkx2_quants(16, 3, sub, w, Lj, -0.5, 0.1, 15, True)
            L[16 * j: 16 * j + 16] = Lj
            max_scale = scales[j] if scales[j] > max_scale else max_scale
            max_min = mins[j] if mins[j] > max_min else max_min
        sc = [0] * 16
        if max_scale > 0:
            iscale = F(F(15) / max_scale)
            sc = [nearest_int(F(iscale * scales[j])) & 0xFF for j in range(16)]
            d = fp16(F(max_scale / F(15)))
        else:
            d = fp16(F(0))
        if max_min > 0:
            iscale = F(F(15) / max_min)
            for j in range(16):
                sc[j] = (sc[j] | (nearest_int(F(iscale * mins[j])) << 4)) & 0xFF
            dmin = fp16(F(max_min / F(15)))
        else:
            dmin = fp16(F(0))
        for j in range(16):
            dd = F(h2f(d) * F(sc[j] & 0xF))
            if dd == 0:
                continue
            dm = F(h2f(dmin) * F(sc[j] >> 4))
            for ii in range(16):
                L[16 * j + ii] = max(0, min(3, nearest_int(F(F(xb[16 * j + ii] + dm) / dd))))
        qs = bytearray(64)
        for j in range(0, 256, 128):
            for l in range(32):
                qs[j // 4 + l] = L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6)
        out += bytes(sc) + qs + struct.pack("<HH", d, dmin)
    return out


def q3_K(x):
    out = bytearray()
    for i in range(x.size // 256):
        xb = x[256 * i: 256 * i + 256]
        L = [0] * 256
        scales = [F(0)] * 16
        max_scale, amax = F(0), F(0)
        for j in range(16):
            Lj = [0] * 16
            scales[j] = make_q3_quants(16, 4, xb[16 * j: 16 * j + 16], Lj)
            L[16 * j: 16 * j + 16] = Lj
            if abs(scales[j]) > amax:
                amax, max_scale = abs(scales[j]), scales[j]
        s = [0] * 12
        if max_scale != 0:
            iscale = F(F(-32) / max_scale)
            for j in range(16):
                l = nearest_int(F(iscale * scales[j]))
                l = ((l + 128) & 0xFF) - 128  # int8_t
                l = max(-32, min(31, l)) + 32
                if j < 8:
                    s[j] = l & 0xF
                else:
                    s[j - 8] |= (l & 0xF) << 4
                l >>= 4
                s[j % 4 + 8] |= (l << (2 * (j // 4))) & 0xFF
            d = fp16(F(F(1) / iscale))
        else:
            d = fp16(F(0))
        for j in range(16):
            scj = (s[j] & 0xF) if j < 8 else (s[j - 8] >> 4)
            scj = (scj | (((s[8 + j % 4] >> (2 * (j // 4))) & 3) << 4)) - 32
            dd = F(h2f(d) * F(scj))
            if dd == 0:
                continue
            for ii in range(16):
                L[16 * j + ii] = max(-4, min(3, nearest_int(F(xb[16 * j + ii] / dd)))) + 4
        hmask = bytearray(32)
        m, hm = 0, 1
        for j in range(256):
            if L[j] > 3:
                hmask[m] |= hm
                L[j] -= 4
            m += 1
            if m == 32:
                m, hm = 0, hm << 1
        qs = bytearray(64)
        for j in range(0, 256, 128):
            for l in range(32):
                qs[j // 4 + l] = L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6)
        out += hmask + qs + bytes(s) + struct.pack("<H", d)
    return out


def k_scales_mins(xb, nmax, rmin, rdelta, nstep):
    L = [0] * 256
    scales, mins = [F(0)] * 8, [F(0)] * 8
    max_scale, max_min = F(0), F(0)
    for j in range(8):
        sub = xb[32 * j: 32 * j + 32]
        sum_x2 = F(0)
        for v in sub:
            sum_x2 = F(sum_x2 + F(v * v))
        av_x = F(np.sqrt(F(sum_x2 / F(32))))
        w = [F(av_x + abs(v)) for v in sub]
        Lj = [0] * 32
        scales[j], mins[j] = make_qkx2_quants(32, nmax, sub, w, Lj, rmin, rdelta, nstep, False)
        L[32 * j: 32 * j + 32] = Lj
        max_scale = scales[j] if scales[j] > max_scale else max_scale
        max_min = mins[j] if mins[j] > max_min else max_min
    inv_scale = F(F(63) / max_scale) if max_scale > 0 else F(0)
    inv_min = F(F(63) / max_min) if max_min > 0 else F(0)
    s = [0] * 12
    for j in range(8):
        ls = min(63, nearest_int(F(inv_scale * scales[j])) & 0xFF)
        lm = min(63, nearest_int(F(inv_min * mins[j])) & 0xFF)
        if j < 4:
            s[j], s[j + 4] = ls, lm
        else:
            s[j + 4] = (ls & 0xF) | ((lm & 0xF) << 4)
            s[j - 4] |= (ls >> 4) << 6
            s[j] |= (lm >> 4) << 6
    d, dmin = fp16(F(max_scale / F(63))), fp16(F(max_min / F(63)))
    for j in range(8):
        sc, m = get_scale_min_k4(j, s)
        dd = F(h2f(d) * F(sc))
        if dd == 0:
            continue
        dm = F(h2f(dmin) * F(m))
        for ii in range(32):
            L[32 * j + ii] = max(0, min(nmax, nearest_int(F(F(xb[32 * j + ii] + dm) / dd))))
    return L, s, d, dmin


def q4_K(x):
    out = bytearray()
    for i in range(x.size // 256):
        L, s, d, dmin = k_scales_mins(x[256 * i: 256 * i + 256], 15, -1.0, 0.1, 20)
        qs = bytearray(128)
        for jj, j in enumerate(range(0, 256, 64)):
            for l in range(32):
                qs[32 * jj + l] = L[j + l] | (L[j + l + 32] << 4)
        out += struct.pack("<HH", d, dmin) + bytes(s) + qs
    return out


def q5_K(x):
    out = bytearray()
    for i in range(x.size // 256):
        L, s, d, dmin = k_scales_mins(x[256 * i: 256 * i + 256], 31, -0.5, 0.1, 15)
        qh, ql = bytearray(32), bytearray(128)
        m1, m2 = 1, 2
        for jj, n in enumerate(range(0, 256, 64)):
            for j in range(32):
                l1, l2 = L[n + j], L[n + j + 32]
                if l1 > 15:
                    l1 -= 16
                    qh[j] |= m1
                if l2 > 15:
                    l2 -= 16
                    qh[j] |= m2
                ql[32 * jj + j] = l1 | (l2 << 4)
            m1, m2 = m1 << 2, m2 << 2
        out += struct.pack("<HH", d, dmin) + bytes(s) + qh + ql
    return out


def q6_K(x):
    out = bytearray()
    for i in range(x.size // 256):
        xb = x[256 * i: 256 * i + 256]
        L = [0] * 256
        scales = [F(0)] * 16
        max_scale, max_abs = F(0), F(0)
        for ib in range(16):
            Lj = [0] * 16
            scales[ib] = make_qx_quants(16, 32, xb[16 * ib: 16 * ib + 16], Lj)
            L[16 * ib: 16 * ib + 16] = Lj
            if abs(scales[ib]) > max_abs:
                max_abs, max_scale = abs(scales[ib]), scales[ib]
        if max_abs < GROUP_MAX_EPS:
            out += bytes(208) + struct.pack("<H", fp16(F(0)))
            continue
        iscale = F(F(-128) / max_scale)
        d = fp16(F(F(1) / iscale))
        sc = [min(127, nearest_int(F(iscale * scales[ib]))) for ib in range(16)]
        for j in range(16):
            dd = F(h2f(d) * F(sc[j]))
            if dd == 0:
                continue
            for ii in range(16):
                L[16 * j + ii] = max(-32, min(31, nearest_int(F(xb[16 * j + ii] / dd)))) + 32
        ql, qh = bytearray(128), bytearray(64)
        for h, j in enumerate(range(0, 256, 128)):
            for l in range(32):
                q1, q2, q3, q4 = L[j + l] & 0xF, L[j + l + 32] & 0xF, L[j + l + 64] & 0xF, L[j + l + 96] & 0xF
                ql[64 * h + l] = q1 | (q3 << 4)
                ql[64 * h + l + 32] = q2 | (q4 << 4)
                qh[32 * h + l] = (L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | (
                    (L[j + l + 96] >> 4) << 6)
        out += ql + qh + struct.pack("<16b", *sc) + struct.pack("<H", d)
    return out


# ---- IQ4_NL (ggml-quants.c quantize_iq4_nl, no imatrix: quantize_row_iq4_nl_impl(32, 32, x, ..., qw=NULL,
# ntry=7); best_index_int8 in its current branch-free form) ------------------------------------------------
KV_IQ4NL = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]


def best_index_iq4(x):
    x2 = F(F(x) + F(x))
    idx, step = 0, 8
    while step > 0:
        j = idx + step
        if x2 >= F(KV_IQ4NL[j - 1] + KV_IQ4NL[j]):
            idx = j
        step >>= 1
    return idx


def iq4_nl(x, ntry=7):
    out = bytearray()
    for i in range(x.size // 32):
        xb = [F(v) for v in x[32 * i: 32 * i + 32]]
        weight = [F(v * v) for v in xb]
        amax, mx = F(0), F(0)
        for v in xb:
            if abs(v) > amax:
                amax, mx = abs(v), v
        scale = F(0)
        L = [0] * 32
        if not amax < GROUP_MAX_EPS:
            d = F(F(-mx) / F(KV_IQ4NL[0])) if ntry > 0 else F(mx / F(KV_IQ4NL[0]))
            idv = F(F(1) / d)

            def sums(idv):
                sqx, sq2, Lb = F(0), F(0), []
                for j in range(32):
                    l = best_index_iq4(F(idv * xb[j]))
                    Lb.append(l)
                    q, w = F(KV_IQ4NL[l]), weight[j]
                    sqx = F(sqx + F(F(w * q) * xb[j]))
                    sq2 = F(sq2 + F(F(w * q) * q))
                return sqx, sq2, Lb

            sumqx, sumq2, L = sums(idv)
            d = F(sumqx / sumq2) if sumq2 > 0 else F(0)
            best = F(d * sumqx)
            for itry in range(-ntry, ntry + 1):
                idv = F(F(itry + KV_IQ4NL[0]) / mx)
                sumqx, sumq2, _ = sums(idv)
                if sumq2 > 0 and F(sumqx * sumqx) > F(best * sumq2):
                    d = F(sumqx / sumq2)
                    best = F(d * sumqx)
            scale = d
        if ntry > 0:
            idv = F(F(1) / scale) if scale != 0 else F(0)
            L = [best_index_iq4(F(idv * xb[j])) for j in range(32)]
        out += struct.pack("<H", fp16(scale)) + bytes(L[j] | (L[j + 16] << 4) for j in range(16))
    return out


def deq_iq4_nl(blob, n):
    y = []
    for i in range(n // 32):
        blk = blob[18 * i: 18 * i + 18]
        d = h2f(struct.unpack_from("<H", blk, 0)[0])
        qs = blk[2:]
        y += [F(d * F(KV_IQ4NL[qs[j] & 0xF])) for j in range(16)] + [F(d * F(KV_IQ4NL[qs[j] >> 4])) for j in range(16)]
    return np.array(y, np.float32)


# ---- dequantizers (float32, C operation order) ---------------------------
def deq(tname, blob, n):
    if tname == "iq4_nl":
        return deq_iq4_nl(bytes(blob), n)
    b = memoryview(bytes(blob))
    y = []
    if tname in ("q4_0", "q4_1", "q5_0", "q5_1", "q8_0"):
        bs = {"q4_0": 18, "q4_1": 20, "q5_0": 22, "q5_1": 24, "q8_0": 34}[tname]
        for i in range(n // 32):
            blk = b[bs * i: bs * i + bs]
            d = h2f(struct.unpack_from("<H", blk, 0)[0])
            if tname == "q8_0":
                y += [F(F(q) * d) for q in struct.unpack_from("<32b", blk, 2)]
                continue
            m = h2f(struct.unpack_from("<H", blk, 2)[0]) if tname in ("q4_1", "q5_1") else None
            if tname in ("q4_0", "q4_1"):
                qs = blk[2 if m is None else 4:]
                vals = [qs[j] & 0xF for j in range(16)] + [qs[j] >> 4 for j in range(16)]
            else:
                off = 2 if m is None else 4
                qh = struct.unpack_from("<I", blk, off)[0]
                qs = blk[off + 4:]
                vals = [(qs[j] & 0xF) | (((qh >> j) << 4) & 0x10) for j in range(16)] + \
                       [(qs[j] >> 4) | ((qh >> (j + 12)) & 0x10) for j in range(16)]
            if m is None:
                bias = 8 if tname == "q4_0" else 16
                y += [F(F(v - bias) * d) for v in vals]
            else:
                y += [F(F(F(v) * d) + m) for v in vals]
        return np.array(y, np.float32)
    for i in range(n // 256):
        if tname == "q2_K":
            blk = b[84 * i: 84 * i + 84]
            sc, q = blk[0:16], blk[16:80]
            d, mn = h2f(struct.unpack_from("<H", blk, 80)[0]), h2f(struct.unpack_from("<H", blk, 82)[0])
            is_ = 0
            for n0 in range(0, 256, 128):
                for j in range(4):
                    for half in range(2):
                        s = sc[is_]
                        is_ += 1
                        dl, ml = F(d * F(s & 0xF)), F(mn * F(s >> 4))
                        for l in range(16):
                            y.append(F(F(dl * F((q[n0 // 4 + l + 16 * half] >> (2 * j)) & 3)) - ml))
        elif tname == "q3_K":
            blk = b[110 * i: 110 * i + 110]
            hm, q, s = blk[0:32], blk[32:96], blk[96:108]
            d = h2f(struct.unpack_from("<H", blk, 108)[0])
            m, is_ = 1, 0
            for n0 in range(0, 256, 128):
                for j in range(4):
                    for half in range(2):
                        jj = is_
                        is_ += 1
                        scj = (s[jj] & 0xF) if jj < 8 else (s[jj - 8] >> 4)
                        scj = (scj | (((s[8 + jj % 4] >> (2 * (jj // 4))) & 3) << 4)) - 32
                        dl = F(d * F(scj))
                        for l in range(16):
                            k = l + 16 * half
                            v = ((q[n0 // 4 + k] >> (2 * j)) & 3) - (0 if hm[k] & m else 4)
                            y.append(F(dl * F(v)))
                    m <<= 1
        elif tname in ("q4_K", "q5_K"):
            five = tname == "q5_K"
            bs = 176 if five else 144
            blk = b[bs * i: bs * i + bs]
            d, mn = h2f(struct.unpack_from("<H", blk, 0)[0]), h2f(struct.unpack_from("<H", blk, 2)[0])
            s = blk[4:16]
            qh = blk[16:48] if five else None
            ql = blk[48:] if five else blk[16:]
            u1, u2 = 1, 2
            for jj, j in enumerate(range(0, 256, 64)):
                sc1, m1 = get_scale_min_k4(2 * jj, s)
                sc2, m2 = get_scale_min_k4(2 * jj + 1, s)
                d1, mm1, d2, mm2 = F(d * F(sc1)), F(mn * F(m1)), F(d * F(sc2)), F(mn * F(m2))
                for l in range(32):
                    v = (ql[32 * jj + l] & 0xF) + (16 if five and qh[l] & u1 else 0)
                    y.append(F(F(d1 * F(v)) - mm1))
                for l in range(32):
                    v = (ql[32 * jj + l] >> 4) + (16 if five and qh[l] & u2 else 0)
                    y.append(F(F(d2 * F(v)) - mm2))
                u1, u2 = u1 << 2, u2 << 2
        elif tname == "q6_K":
            blk = b[210 * i: 210 * i + 210]
            ql, qh = blk[0:128], blk[128:192]
            sc = struct.unpack_from("<16b", blk, 192)
            d = h2f(struct.unpack_from("<H", blk, 208)[0])
            yy = [F(0)] * 256
            for h in range(2):
                for l in range(32):
                    is_ = l // 16
                    a, c = ql[64 * h + l], ql[64 * h + l + 32]
                    e = qh[32 * h + l]
                    q1 = ((a & 0xF) | (((e >> 0) & 3) << 4)) - 32
                    q2 = ((c & 0xF) | (((e >> 2) & 3) << 4)) - 32
                    q3 = ((a >> 4) | (((e >> 4) & 3) << 4)) - 32
                    q4 = ((c >> 4) | (((e >> 6) & 3) << 4)) - 32
                    for k, q in enumerate((q1, q2, q3, q4)):
                        yy[128 * h + l + 32 * k] = F(F(d * F(sc[8 * h + is_ + 2 * k])) * F(q))
            y += yy
    return np.array(y, np.float32)


GGML = [("q4_0", 2, q4_0), ("q4_1", 3, q4_1), ("q5_0", 6, lambda x: q5(x, False)), ("q5_1", 7, lambda x: q5(x, True)),
        ("q8_0", 8, q8_0), ("q2_K", 10, q2_K), ("q3_K", 11, q3_K), ("q4_K", 12, q4_K), ("q5_K", 13, q5_K),
        ("q6_K", 14, q6_K), ("iq4_nl", 20, iq4_nl)]


def gen_ggml():
    for name, tid, fn in GGML:
        for kind, seed, n in [("cos", 0, 1024), ("normal", 51, 1024), ("mixed", 52, 512), ("tiny", 53, 256)]:
            x = data(kind, n, seed)
            if name.endswith("_K") and kind == "mixed":
                x[256:272] = 0.0  # an all-zero sub-block inside a K block
            blob = np.frombuffer(bytes(fn(x)), np.uint8)
            rec("ggml_%s_%s" % (name, kind), np.array([tid, n], np.int32), x, blob, deq(name, blob, n))


# ============================================== GPTQ / AWQ weight-only ===
def gptq_params(x, bits, sym):  # gptq quant.py Quantizer.find_params, perchannel rows of x
    maxq = torch.tensor(2 ** bits - 1, dtype=torch.float32)
    tmp = torch.zeros(x.shape[0])
    xmin = torch.minimum(x.min(1)[0], tmp)
    xmax = torch.maximum(x.max(1)[0], tmp)
    if sym:
        xmax = torch.maximum(torch.abs(xmin), xmax)
        tmp = xmin < 0
        if torch.any(tmp):
            xmin[tmp] = -xmax[tmp]
    tmp = (xmin == 0) & (xmax == 0)
    xmin[tmp] = -1
    xmax[tmp] = +1
    scale = (xmax - xmin) / maxq
    zero = torch.full_like(scale, (maxq + 1) / 2) if sym else torch.round(-xmin / scale)
    q = torch.clamp(torch.round(x / scale.unsqueeze(1)) + zero.unsqueeze(1), 0, maxq)
    return q, scale, zero, scale.unsqueeze(1) * (q - zero.unsqueeze(1))


def awq_params(x, bits):  # llm-awq pseudo_quantize_tensor(zero_point=True) on rows of x
    max_int = 2 ** bits - 1
    max_val = x.amax(dim=1, keepdim=True)
    min_val = x.amin(dim=1, keepdim=True)
    scales = (max_val - min_val).clamp(min=1e-5) / max_int
    zeros = (-torch.round(min_val / scales)).clamp_(0, max_int)
    q = torch.clamp(torch.round(x / scales) + zeros, 0, max_int)
    return q, scales[:, 0], zeros[:, 0], (q - zeros) * scales


def gen_wq():
    cases = [(0, 4, 128, 0, 8, 256, 61), (0, 3, 0, 1, 6, 96, 62), (0, 8, -1, 0, 16, 40, 63), (0, 4, 32, 1, 4, 64, 64),
             (1, 4, 32, 0, 8, 128, 65), (1, 2, 0, 0, 5, 64, 66), (1, 4, -1, 0, 12, 24, 67)]
    for rule, bits, gs, sym, rows, cols, seed in cases:
        w = data("mixed" if seed % 2 else "normal", rows * cols, seed).reshape(rows, cols) * F(0.05)
        w = torch.from_numpy(w.astype(np.float32))
        if rule == 0 and seed == 61:
            w[1, :] = 0.0  # all-zero row: GPTQ's [-1, 1] fallback
            w[2, :] = torch.abs(w[2, :])  # all non-negative
        if gs == -1:
            groups = w.t().contiguous()
        elif gs == 0:
            groups = w
        else:
            groups = w.reshape(-1, gs)
        q, sc, z, deq = gptq_params(groups, bits, sym) if rule == 0 else awq_params(groups, bits)
        if gs == -1:
            q, deq = q.t(), deq.t()
        rec("wq_rule%d_b%d_g%d_s%d" % (rule, bits, gs, sym), np.array([rule, bits, gs, sym, rows, cols], np.int32),
            w.numpy().reshape(-1), q.numpy().astype(np.uint8).reshape(-1), sc.numpy().astype(np.float32),
            z.numpy().astype(np.int32), deq.contiguous().numpy().astype(np.float32).reshape(-1))


if __name__ == "__main__":
    gen_wq()
    gen_bnb()
    gen_minifloat()
    gen_mx()
    gen_ggml()
    with open(OUT, "wb") as f:
        f.write(b"LQGOLD01" + struct.pack("<I", len(records)) + b"".join(records))
    print("wrote %s: %d records, %d bytes" % (OUT, len(records), os.path.getsize(OUT)), file=sys.stderr)
