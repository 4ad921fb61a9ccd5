#!/usr/bin/python3
"""Generates the .npy fixtures of tests/test_io.c and the PyTorch golden files
of tests/cli/scheme.sh. Run with Debian's python (numpy 1.24, torch 1.13):
    /usr/bin/python3 tests/vectors/gen_npy.py
Writes tests/vectors/npy/*.npy and tests/vectors/npy/golden_params.txt."""
import io
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "npy")
os.makedirs(OUT, exist_ok=True)


def save(name, arr, version=None):
    path = os.path.join(OUT, name)
    if version is None:
        np.save(path, arr)
    else:
        with open(path, "wb") as f:
            np.lib.format.write_array(f, arr, version=version)


# ---- reader fixtures: values are known by construction (test_io.c recomputes them)
# float kinds: v[i] = i * 0.5 - 1 in C order; integer kinds: v[i] = i - 3 (unsigned: i)
save("f32_2x3.npy", (np.arange(6, dtype=np.float32) * 0.5 - 1).reshape(2, 3))
save("f64_5.npy", np.arange(5, dtype=np.float64) * 0.5 - 1)
save("f16_2x2.npy", (np.arange(4, dtype=np.float16) * np.float16(0.5) - np.float16(1)).reshape(2, 2))
for dt in ["i1", "i2", "i4", "i8"]:
    save(f"{dt}_7.npy", (np.arange(7) - 3).astype(dt))
for dt in ["u1", "u2", "u4", "u8"]:
    save(f"{dt}_7.npy", np.arange(7).astype(dt))
save("b1_4.npy", np.array([True, False, False, True]))
save("scalar_f32.npy", np.array(2.5, dtype=np.float32))
save("empty_0x3.npy", np.zeros((0, 3), dtype=np.float32))
save("fortran_3x4.npy", np.asfortranarray((np.arange(12, dtype=np.float32) * 0.5 - 1).reshape(3, 4)))
save("fortran_2x3x4.npy", np.asfortranarray(np.arange(24, dtype=np.int32).reshape(2, 3, 4) - 3))
save("be_f32_2x3.npy", (np.arange(6, dtype=np.float32) * 0.5 - 1).reshape(2, 3).astype(">f4"))
save("be_i4_7.npy", (np.arange(7) - 3).astype(">i4"))
save("rank6_f32.npy", (np.arange(64, dtype=np.float32) * 0.5 - 1).reshape(1, 2, 2, 2, 2, 4))
save("v2_f32_2x3.npy", (np.arange(6, dtype=np.float32) * 0.5 - 1).reshape(2, 3), version=(2, 0))
save("v3_f32_2x3.npy", (np.arange(6, dtype=np.float32) * 0.5 - 1).reshape(2, 3), version=(3, 0))
save("c8_2.npy", np.array([1 + 2j, 3 - 1j], dtype=np.complex64))
save("struct_2.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))

# ---- PyTorch golden files for the CLI (bit-exact int8 per-tensor / per-channel)
g = torch.Generator().manual_seed(1234)
x = (torch.randn(6, 16, generator=g) * torch.linspace(0.1, 3.0, 16)).to(torch.float32)
x[2, 5] = 7.25  # an outlier
save("cli_x.npy", x.numpy())
lines = []


def per_tensor(name, dtype, qscheme):
    obs = torch.ao.quantization.MinMaxObserver(dtype=dtype, qscheme=qscheme)
    obs(x)
    s, z = obs.calculate_qparams()
    q = torch.quantize_per_tensor(x, float(s), int(z), dtype)
    save(f"cli_{name}_codes.npy", q.int_repr().numpy())
    save(f"cli_{name}_deq.npy", q.dequantize().numpy())
    lines.append(f"{name} scale {'%.9g' % float(s)} zero_point {int(z)}")


def per_channel(name, dtype, qscheme, axis):
    obs = torch.ao.quantization.PerChannelMinMaxObserver(ch_axis=axis, dtype=dtype, qscheme=qscheme)
    obs(x)
    s, z = obs.calculate_qparams()
    q = torch.quantize_per_channel(x, s.double(), z.long(), axis, dtype)
    save(f"cli_{name}_codes.npy", q.int_repr().numpy())
    save(f"cli_{name}_deq.npy", q.dequantize().numpy())
    lines.append(f"{name} scale {', '.join('%.9g' % float(v) for v in s)} zero_point "
                 f"{', '.join(str(int(v)) for v in z)}")


per_tensor("pt_s8_affine", torch.qint8, torch.per_tensor_affine)           # int8
per_tensor("pt_u8_affine", torch.quint8, torch.per_tensor_affine)          # uint8
per_tensor("pt_s8_sym", torch.qint8, torch.per_tensor_symmetric)           # int8:sym=1
per_channel("pc0_s8_sym", torch.qint8, torch.per_channel_symmetric, 0)     # int8:sym=1:gran=channel
per_channel("pc1_u8_affine", torch.quint8, torch.per_channel_affine, 1)    # uint8:gran=channel:axis=1
per_channel("pc1_s8_affine", torch.qint8, torch.per_channel_affine, 1)     # int8:gran=channel:axis=1

# fake quant with a fixed scale/zp (int:scale=0.05:zp=3, qint8 range)
fq = torch.fake_quantize_per_tensor_affine(x, 0.05, 3, -128, 127)
save("cli_fixed_fq.npy", fq.numpy())

with open(os.path.join(OUT, "golden_params.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
print("wrote", len(os.listdir(OUT)), "files to", OUT)
