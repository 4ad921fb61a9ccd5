#!/usr/bin/python3
"""Golden vectors for the uniform module, from PyTorch 1.13 (Debian python3-torch).

Run: /usr/bin/python3 tests/vectors/gen_uniform.py > tests/vectors/uniform_golden.h

Covers torch.quantize_per_tensor / quantize_per_channel (.int_repr(), .dequantize()),
MinMaxObserver / PerChannelMinMaxObserver qparams (qint8/quint8, affine/symmetric,
reduce_range, custom ranges) and torch.fake_quantize_per_tensor_affine, including the
known vectors of references/classic.md A.2-A.5 and the reciprocal-multiplication tie.
NaN/Inf inputs are not here: torch leaves them undefined (the C tests check
libquant's own definition instead).
"""
import struct
import numpy as np
import torch
from torch.ao.quantization import MinMaxObserver, PerChannelMinMaxObserver

rng = np.random.default_rng(1234)
torch.manual_seed(0)


def f32(v):
    return float(np.float32(v))


def hexf(v):
    v = f32(v)
    if v == 0.0:
        return "-0.0f" if struct.pack(">f", v)[0] & 0x80 else "0.0f"
    return float.hex(v) + "f"


def arr(name, ctype, vals, fmt):
    out = [f"static const {ctype} {name}[] = {{"]
    line = "  "
    for v in vals:
        s = fmt(v) + ", "
        if len(line) + len(s) > 110:
            out.append(line.rstrip())
            line = "  "
        line += s
    if line.strip():
        out.append(line.rstrip())
    if not vals:
        out.append("  0")
    out.append("};")
    return "\n".join(out)


DT = {0: torch.qint8, 1: torch.quint8}

# ------------------------------------------------------------ per tensor
pt_cases = []  # (dtype, scale, zp, x list)


def add_pt(dtype, scale, zp, xs):
    pt_cases.append((dtype, f32(scale), int(zp), [f32(v) for v in xs]))


# classic.md A.3: ties go to even before the zero point is added
add_pt(0, 1.0, 0, [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5])
add_pt(1, 1.0, 10, [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5])
# the reciprocal case: x * (1/s) = 127.5 exactly -> 128 (x / s would give 127)
add_pt(1, 0.00214854861, 0, [0.273939937])
for dtype in (0, 1):
    for (scale, zp) in [(0.05, 0 if dtype == 0 else 128), (0.0123, -7 if dtype == 0 else 3), (1e-3, 5 if dtype == 0 else 250),
                        (3.0, 0 if dtype == 0 else 0), (0.1, 127 if dtype == 0 else 255), (0.1, -128 if dtype == 0 else 0)]:
        s = f32(scale)
        xs = list(rng.standard_normal(61).astype(np.float32) * 4)
        # exact ties, values next to ties, saturation, signed zeros
        for k in range(-6, 7):
            t = np.float32((k + 0.5) * s)
            xs += [t, np.nextafter(t, np.float32(np.inf)), np.nextafter(t, np.float32(-np.inf))]
        # |x / s| stays below 2^63: beyond it torch's float->int64 cast is undefined
        # (x86 gives INT64_MIN -> qmin); libquant saturates (tested in C)
        xs += [0.0, -0.0, 1e6, -1e6, 3e12, -3e12, 1e-40, -1e-40]
        add_pt(dtype, s, zp, xs)

pt_x, pt_q, pt_dq, pt_meta = [], [], [], []
for dtype, scale, zp, xs in pt_cases:
    x = torch.tensor(xs, dtype=torch.float32)
    q = torch.quantize_per_tensor(x, scale, zp, DT[dtype])
    pt_meta.append((dtype, scale, zp, len(pt_x), len(xs)))
    pt_x += xs
    pt_q += [int(v) for v in q.int_repr().flatten().tolist()]
    pt_dq += [f32(v) for v in q.dequantize().flatten().tolist()]

# ----------------------------------------------------------- per channel
pc_meta, pc_x, pc_s, pc_z, pc_q = [], [], [], [], []


def add_pc(dtype, x, scales, zps, axis):
    x = torch.tensor(np.asarray(x, dtype=np.float32))
    st = torch.tensor(np.asarray(scales, dtype=np.float32).astype(np.float64))
    zt = torch.tensor(np.asarray(zps, dtype=np.int64))
    q = torch.quantize_per_channel(x, st, zt, axis, DT[dtype])
    dims = list(x.shape) + [0] * (3 - x.dim())
    pc_meta.append((dtype, axis, x.dim(), dims, len(pc_x), x.numel(), len(pc_s), len(scales)))
    pc_x.extend(f32(v) for v in x.flatten().tolist())
    pc_s.extend(f32(v) for v in scales)
    pc_z.extend(int(v) for v in zps)
    pc_q.extend(int(v) for v in q.int_repr().flatten().tolist())


# classic.md A.5
add_pc(0, [[0.1, 0.26, -0.3], [1.0, -1.0, 0.55]], [0.1, 0.2], [0, 3], 0)
for dtype in (0, 1):
    for shape in [(3, 4, 5), (2, 7), (6,)]:
        for axis in range(len(shape)):
            c = shape[axis]
            x = rng.standard_normal(shape).astype(np.float32) * 3
            scales = (rng.uniform(0.01, 0.2, c)).astype(np.float32)
            if dtype == 0:
                zps = rng.integers(-20, 20, c)
            else:
                zps = rng.integers(100, 156, c)
            add_pc(dtype, x, scales, zps, axis)

# ------------------------------------------------------------- observers
ob_meta, ob_x = [], []  # (dtype, sym, reduce, qmin, qmax, xoff, n, scale, zp)


def add_ob(dtype, sym, reduce, xs, qmin=None, qmax=None):
    obs = MinMaxObserver(dtype=DT[dtype], qscheme=torch.per_tensor_symmetric if sym else torch.per_tensor_affine,
                         reduce_range=reduce, quant_min=qmin, quant_max=qmax)
    x = torch.tensor(np.asarray(xs, dtype=np.float32))
    obs(x)
    s, z = obs.calculate_qparams()
    ob_meta.append((dtype, sym, reduce, 0 if qmin is None else qmin, 0 if qmax is None else qmax, len(ob_x), len(xs),
                    f32(s.item()), int(z.item())))
    ob_x.extend(f32(v) for v in xs)


# classic.md A.2 table
add_ob(1, 0, False, [0.5, 2.0])
add_ob(1, 0, False, [-1.0, 2.0])
add_ob(0, 0, False, [-1.0, 2.0])
add_ob(1, 0, False, [-3.0, 5.0])
add_ob(0, 1, False, [-1.0, 2.0])
add_ob(1, 1, False, [-1.0, 2.0])
add_ob(1, 0, True, [-1.0, 2.0])
add_ob(0, 1, True, [-1.0, 2.0])
add_ob(1, 0, False, [-1.0, 2.0], 0, 15)
add_ob(1, 1, False, [-1.0, 2.0], 0, 15)
add_ob(1, 0, False, [0.0, 0.0])
add_ob(0, 0, False, [-5.0])          # one element, all negative
add_ob(0, 0, False, [1e-42, 3e-41])  # subnormals
add_ob(1, 0, False, [-1e38, 1e38])   # near FLT_MAX (range 2e38 still finite)
add_ob(0, 1, False, [-3e38, 1e30])
for dtype in (0, 1):
    for sym in (0, 1):
        for reduce in (False, True):
            if dtype == 1 and sym == 1 and reduce:
                continue  # NotImplementedError in torch
            for scale_data in (1.0, 1e-3, 50.0):
                xs = list(rng.standard_normal(37).astype(np.float32) * scale_data + rng.uniform(-1, 1) * scale_data)
                add_ob(dtype, sym, reduce, xs)
            add_ob(dtype, sym, reduce, list(rng.uniform(0.5, 3, 9).astype(np.float32)))     # all positive
            add_ob(dtype, sym, reduce, list(-rng.uniform(0.5, 3, 9).astype(np.float32)))    # all negative
            add_ob(dtype, sym, reduce, [2.5] * 4)                                            # constant

pco_meta, pco_x, pco_s, pco_z = [], [], [], []  # per-channel observers


def add_pco(dtype, sym, reduce, x, axis):
    obs = PerChannelMinMaxObserver(ch_axis=axis, dtype=DT[dtype],
                                   qscheme=torch.per_channel_symmetric if sym else torch.per_channel_affine,
                                   reduce_range=reduce)
    xt = torch.tensor(np.asarray(x, dtype=np.float32))
    obs(xt)
    s, z = obs.calculate_qparams()
    dims = list(xt.shape) + [0] * (3 - xt.dim())
    pco_meta.append((dtype, sym, 1 if reduce else 0, axis, xt.dim(), dims, len(pco_x), xt.numel(), len(pco_s), len(s)))
    pco_x.extend(f32(v) for v in xt.flatten().tolist())
    pco_s.extend(f32(v) for v in s.tolist())
    pco_z.extend(int(v) for v in z.tolist())


add_pco(0, 1, False, [[1.0, -2.0, 0.0], [3.0, 1.0, 0.0]], 1)  # classic.md B.3 (all-zero channel -> eps)
for dtype in (0, 1):
    for sym in (0, 1):
        for reduce in (False, True):
            if dtype == 1 and sym == 1 and reduce:
                continue
            for shape in [(3, 4, 5), (4, 6)]:
                for axis in range(len(shape)):
                    x = rng.standard_normal(shape).astype(np.float32) * rng.uniform(0.1, 5)
                    add_pco(dtype, sym, reduce, x, axis)

# ------------------------------------------------------------ fake quant
fq_meta, fq_x, fq_y = [], [], []


def add_fq(scale, zp, qmin, qmax, xs):
    x = torch.tensor(np.asarray(xs, dtype=np.float32))
    y = torch.fake_quantize_per_tensor_affine(x, f32(scale), zp, qmin, qmax)
    fq_meta.append((f32(scale), zp, qmin, qmax, len(fq_x), len(xs)))
    fq_x.extend(f32(v) for v in xs)
    fq_y.extend(f32(v) for v in y.tolist())


add_fq(0.1, 0, 0, 255, [-0.06, -0.04, 0.0, 25.5, 25.56])  # classic.md A.4
for (s, zp, lo, hi) in [(0.05, 0, -128, 127), (0.02, 128, 0, 255), (0.3, 3, 0, 15), (0.01, -2, -8, 7), (0.5, 0, -1, 1),
                        (1e-4, 100, 0, 1000), (0.00214854861, 0, 0, 255)]:
    sf = f32(s)
    xs = list(rng.standard_normal(40).astype(np.float32) * sf * (hi - lo) / 3)
    for k in range(-4, 5):
        xs.append(np.float32((k + 0.5) * sf))
    xs += [0.273939937, -0.0, 1e12, -1e12]
    add_fq(s, zp, lo, hi, xs)

# ----------------------------------------------------------------- emit
print("/* Generated by tests/vectors/gen_uniform.py with torch %s. Do not edit. */" % torch.__version__)
print("#include <stddef.h>\n#include <stdint.h>\n")
print("typedef struct { int dtype; float scale; int32_t zp; size_t off, n; } g_pt_case; /* dtype 0 qint8, 1 quint8 */")
print("static const g_pt_case g_pt_cases[] = {")
for d, s, z, o, n in pt_meta:
    print(f"  {{{d}, {hexf(s)}, {z}, {o}, {n}}},")
print("};")
print(arr("g_pt_x", "float", pt_x, hexf))
print(arr("g_pt_q", "int32_t", pt_q, str))
print(arr("g_pt_dq", "float", pt_dq, hexf))

print("typedef struct { int dtype, axis, ndim; int64_t dims[3]; size_t xoff, n, poff, np; } g_pc_case;")
print("static const g_pc_case g_pc_cases[] = {")
for d, a, nd, dims, xo, n, po, np_ in pc_meta:
    print(f"  {{{d}, {a}, {nd}, {{{dims[0]}, {dims[1]}, {dims[2]}}}, {xo}, {n}, {po}, {np_}}},")
print("};")
print(arr("g_pc_x", "float", pc_x, hexf))
print(arr("g_pc_scale", "float", pc_s, hexf))
print(arr("g_pc_zp", "int32_t", pc_z, str))
print(arr("g_pc_q", "int32_t", pc_q, str))

print("typedef struct { int dtype, sym, reduce; int32_t qmin, qmax; size_t off, n; float scale; int32_t zp; } g_ob_case;")
print("static const g_ob_case g_ob_cases[] = {")
for d, sy, r, lo, hi, o, n, s, z in ob_meta:
    print(f"  {{{d}, {sy}, {1 if r else 0}, {lo}, {hi}, {o}, {n}, {hexf(s)}, {z}}},")
print("};")
print(arr("g_ob_x", "float", ob_x, hexf))

print("typedef struct { int dtype, sym, reduce, axis, ndim; int64_t dims[3]; size_t xoff, n, poff, np; } g_pco_case;")
print("static const g_pco_case g_pco_cases[] = {")
for d, sy, r, a, nd, dims, xo, n, po, np_ in pco_meta:
    print(f"  {{{d}, {sy}, {r}, {a}, {nd}, {{{dims[0]}, {dims[1]}, {dims[2]}}}, {xo}, {n}, {po}, {np_}}},")
print("};")
print(arr("g_pco_x", "float", pco_x, hexf))
print(arr("g_pco_scale", "float", pco_s, hexf))
print(arr("g_pco_zp", "int32_t", pco_z, str))

print("typedef struct { float scale; int32_t zp, qmin, qmax; size_t off, n; } g_fq_case;")
print("static const g_fq_case g_fq_cases[] = {")
for s, z, lo, hi, o, n in fq_meta:
    print(f"  {{{hexf(s)}, {z}, {lo}, {hi}, {o}, {n}}},")
print("};")
print(arr("g_fq_x", "float", fq_x, hexf))
print(arr("g_fq_y", "float", fq_y, hexf))
