#!/usr/bin/python3
"""Golden files for the llmio module (GGUF and safetensors).

Debian has no python3-gguf package (apt-cache policy python3-gguf finds
nothing), and torch 1.13 cannot write safetensors, so every byte here is built
by hand from the specs with struct/numpy:
  - GGUF v3: ggml docs/gguf.md (header, KV types 0..12 incl. arrays of
    strings and nested arrays, tensor infos with dims in ggml order, 32-byte
    alignment, zero padding after each tensor);
  - safetensors: 8-byte LE header length, JSON header, data section;
  - Q8_0 by ggml's quantize_row_q8_0_ref: d = amax/127, q = roundf(x/d)
    (half away from zero), d stored as IEEE fp16 (round to nearest even).
Run: /usr/bin/python3 tests/vectors/gen_llmio.py  (writes tests/vectors/llmio/)
"""
import json
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "llmio")
ALIGN = 32
T = dict(U8=0, I8=1, U16=2, I16=3, U32=4, I32=5, F32=6, BOOL=7, STR=8, ARR=9, U64=10, I64=11, F64=12)
FMT = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<B", 10: "<Q", 11: "<q", 12: "<d"}


def gstr(s):
    b = s.encode("utf-8") if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def gval(t, v):
    if t == T["STR"]:
        return gstr(v)
    if t == T["ARR"]:
        et, items = v
        return struct.pack("<IQ", et, len(items)) + b"".join(gval(et, x) for x in items)
    return struct.pack(FMT[t], v)


def gguf(kvs, tensors):
    """kvs: [(key, type, value)], tensors: [(name, ne (ggml order), ggml_type, bytes)]"""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    for k, t, v in kvs:
        out += gstr(k) + struct.pack("<I", t) + gval(t, v)
    off = 0
    for name, ne, gt, data in tensors:
        out += gstr(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", n) for n in ne)
        out += struct.pack("<IQ", gt, off)
        off += len(data) + (-len(data)) % ALIGN
    out += b"\0" * ((-len(out)) % ALIGN)
    for _, _, _, data in tensors:
        out += data + b"\0" * ((-len(data)) % ALIGN)
    return out


def q8_0(x):
    """ggml quantize_row_q8_0_ref on float32 rows (multiple of 32)."""
    x = np.asarray(x, dtype=np.float32).reshape(-1, 32)
    out = b""
    for blk in x:
        amax = np.float32(np.max(np.abs(blk)))
        d = np.float32(amax / np.float32(127))
        idv = np.float32(np.float32(1) / d) if d != 0 else np.float32(0)
        v = (blk * idv).astype(np.float32)
        q = np.where(v >= 0, np.floor(v + np.float32(0.5)), -np.floor(-v + np.float32(0.5)))  # roundf
        out += np.float16(d).tobytes() + q.astype(np.int8).tobytes()
    return out


def q4_0(x):
    """ggml quantize_row_q4_0_ref on float32 rows, without FMA contraction:
    max = first element of largest |x|, d = max/-8, id = 1/d,
    q = MIN(15, (int8)(x*id + 8.5f)), element j in the low nibble of byte j,
    element j+16 in the high nibble."""
    x = np.asarray(x, dtype=np.float32).reshape(-1, 32)
    out = b""
    for blk in x:
        k = int(np.argmax(np.abs(blk)))  # first index of the largest |x|
        mx = blk[k]
        d = np.float32(mx / np.float32(-8))
        idv = np.float32(np.float32(1) / d) if d != 0 else np.float32(0)
        v = ((blk * idv).astype(np.float32) + np.float32(8.5)).astype(np.float32)
        q = np.minimum(15, np.trunc(v).astype(np.int32))
        qs = (q[:16] | (q[16:] << 4)).astype(np.uint8)
        out += np.float16(d).tobytes() + qs.tobytes()
    return out


def safetensors(entries, metadata):
    """entries: [(name, dtype, shape, raw bytes)] in data order."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    off = 0
    for name, dt, shape, raw in entries:
        header[name] = {"dtype": dt, "shape": list(shape), "data_offsets": [off, off + len(raw)]}
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((-len(h)) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(e[3] for e in entries)


def main():
    os.makedirs(OUT, exist_ok=True)
    # ---- GGUF fixture: every value type, arrays of strings, nested arrays
    w = (np.arange(12, dtype=np.float32) * 0.25 - 1.0).reshape(3, 4)
    b = np.array([0.5, -1.0, 2.0, 65504.0, -0.0], dtype=np.float16)
    src = (np.sin(np.arange(128, dtype=np.float32)) * np.float32(0.1)).astype(np.float32).reshape(2, 64)
    kvs = [
        ("general.architecture", T["STR"], "llama"),
        ("general.alignment", T["U32"], 32),
        ("test.u8", T["U8"], 200), ("test.i8", T["I8"], -5), ("test.u16", T["U16"], 60000),
        ("test.i16", T["I16"], -30000), ("test.u32", T["U32"], 4000000000), ("test.i32", T["I32"], -2000000000),
        ("test.f32", T["F32"], 0.5), ("test.bool", T["BOOL"], 1), ("test.str", T["STR"], "h\u00e9llo"),
        ("test.u64", T["U64"], 2**63 + 5), ("test.i64", T["I64"], -(2**40)), ("test.f64", T["F64"], 3.141592653589793),
        ("test.arr_i32", T["ARR"], (T["I32"], [1, -2, 3])),
        ("test.arr_str", T["ARR"], (T["STR"], ["a", "bc", ""])),
        ("test.arr_nested", T["ARR"], (T["ARR"], [(T["U8"], [1, 2]), (T["U8"], [3])])),
        ("test.arr_bool", T["ARR"], (T["BOOL"], [1, 0])),
        ("test.arr_empty", T["ARR"], (T["F64"], [])),
    ]
    tensors = [
        ("w", [4, 3], 0, w.tobytes()),
        ("b", [5], 1, b.tobytes()),
        ("q_src", [64, 2], 0, src.tobytes()),
        ("q", [64, 2], 8, q8_0(src)),
    ]
    with open(os.path.join(OUT, "fixture.gguf"), "wb") as f:
        f.write(gguf(kvs, tensors))

    # ---- safetensors fixture (data order = entry order)
    mw = (np.cos(np.arange(4 * 64, dtype=np.float32)) * np.float32(0.05)).astype(np.float32).reshape(4, 64)
    ents = [
        ("model.layers.0.weight", "F32", (4, 64), mw.tobytes()),
        ("bias", "F16", (5,), b.tobytes()),
        ("small", "F32", (3, 4), w.tobytes()),
        ("ids", "I8", (2, 2), np.array([[1, -2], [3, -128]], dtype=np.int8).tobytes()),
        ("bf", "BF16", (2,), np.array([0x3F80, 0xC040], dtype=np.uint16).tobytes()),  # 1.0, -3.0
        ("f8", "F8_E4M3", (3,), bytes([0x38, 0xB8, 0x7E])),  # 1.0, -1.0, 448
        ("mask", "BOOL", (2,), bytes([1, 0])),
        ("empty", "I32", (0, 3), b""),
        ("d", "F64", (2,), np.array([1.5, -2.25], dtype=np.float64).tobytes()),
    ]
    with open(os.path.join(OUT, "fixture.safetensors"), "wb") as f:
        f.write(safetensors(ents, {"format": "pt", "note": "libquant \"fixture\""}))

    # ---- expected `quant convert fixture.safetensors -o out.gguf --scheme q8_0`
    conv = [
        ("model.layers.0.weight", [64, 4], 8, q8_0(mw)),
        ("bias", [5], 1, b.tobytes()),
        ("small", [4, 3], 0, w.tobytes()),
        ("ids", [2, 2], 24, np.array([[1, -2], [3, -128]], dtype=np.int8).tobytes()),
        ("bf", [2], 30, np.array([0x3F80, 0xC040], dtype=np.uint16).tobytes()),  # BF16 stays BF16
        ("f8", [3], 0, np.array([1.0, -1.0, 448.0], dtype=np.float32).tobytes()),
        ("mask", [2], 0, np.array([1.0, 0.0], dtype=np.float32).tobytes()),
        ("empty", [3, 0], 26, b""),
        ("d", [2], 28, np.array([1.5, -2.25], dtype=np.float64).tobytes()),  # F64 stays F64
    ]
    ckv = [
        ("general.architecture", T["STR"], "unknown"),
        ("general.quantization_version", T["U32"], 2),
        ("general.file_type", T["U32"], 7),
        ("general.source.format", T["STR"], "pt"),
        ("general.source.note", T["STR"], "libquant \"fixture\""),
    ]
    with open(os.path.join(OUT, "convert_q8_0.gguf"), "wb") as f:
        f.write(gguf(ckv, conv))
    # ---- expected `quant convert fixture.safetensors -o out.gguf --scheme q4_0`
    conv[0] = ("model.layers.0.weight", [64, 4], 2, q4_0(mw))
    ckv[2] = ("general.file_type", T["U32"], 2)
    with open(os.path.join(OUT, "convert_q4_0.gguf"), "wb") as f:
        f.write(gguf(ckv, conv))


if __name__ == "__main__":
    main()
