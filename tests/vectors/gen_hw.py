#!/usr/bin/python3
"""Golden vectors of the hw module. Run with Debian's /usr/bin/python3 (3.11, which still has audioop):
    /usr/bin/python3 tests/vectors/gen_hw.py tests/vectors
Writes
  g711_golden.bin   all 65536 int16 inputs (x = -32768..32767 in order):
                    u8 ulaw_g191[65536], u8 ulaw_sun[65536], u8 alaw[65536],
                    then all 256 codes: int16le ulaw_dec[256], int16le alaw_dec[256].
                    ulaw_sun/alaw/decoders come from CPython audioop; ulaw_g191 from a transcription of the
                    ITU-T G.191 STL g711.c ulaw_compress (asserted to differ from audioop on exactly 508
                    negative inputs), and the G.191 alaw_compress / expanders are asserted equal to audioop.
  adpcm_golden.bin  IMA-ADPCM chunks encoded/decoded by audioop with carried state (layout in read order):
                    u32 nenc; per enc chunk: u32 n, i32 vp_in, i32 idx_in, int16le x[n], u8 bytes[n//2],
                    i32 vp_out, i32 idx_out;
                    u32 ndec; per dec chunk: u32 nbytes, i32 vp_in, i32 idx_in, u8 bytes[nbytes],
                    int16le y[2*nbytes], i32 vp_out, i32 idx_out.
  requant_golden.bin TFLite QuantizeMultiplier: u32 count; per entry: f64 m, i32 qm, i32 shift.
"""
import math
import random
import struct
import sys
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
import audioop  # noqa: E402


def g191_ulaw_compress(x):
    absno = ((~x) >> 2) + 33 if x < 0 else (x >> 2) + 33
    if absno > 0x1FFF:
        absno = 0x1FFF
    i = absno >> 6
    segno = 1
    while i != 0:
        segno += 1
        i >>= 1
    high = 8 - segno
    low = 15 - ((absno >> segno) & 0xF)
    code = (high << 4) | low
    if x >= 0:
        code |= 0x80
    return code


def g191_alaw_compress(x):
    ix = ((~x) >> 4) if x < 0 else (x >> 4)
    if ix > 15:
        iexp = 1
        while ix > 16 + 15:
            ix >>= 1
            iexp += 1
        ix -= 16
        ix += iexp << 4
    if x >= 0:
        ix |= 0x80
    return ix ^ 0x55


def g191_ulaw_expand(c):
    sign = -1 if c < 0x80 else 1
    mantissa = (~c) & 0xFFFF
    exponent = (mantissa >> 4) & 7
    segment = exponent + 1
    mantissa &= 0xF
    step = 4 << segment
    return sign * ((0x80 << exponent) + step * mantissa + step // 2 - 4 * 33)


def g191_alaw_expand(c):
    ix = c ^ 0x55
    ix &= 0x7F
    iexp = ix >> 4
    mant = ix & 0xF
    if iexp > 0:
        mant += 16
    mant = (mant << 4) + 0x8
    if iexp > 1:
        mant <<= iexp - 1
    return mant if c > 127 else -mant


def tflite_quantize_multiplier(m):
    if m == 0.0:
        return 0, 0
    q, shift = math.frexp(m)
    v = q * (1 << 31)
    q_fixed = int(math.floor(abs(v) + 0.5)) * (1 if v >= 0 else -1)  # std::round: half away from zero
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    return q_fixed, shift


def main(out_dir):
    xs = list(range(-32768, 32768))
    pcm = struct.pack("<65536h", *xs)
    ulaw_sun = audioop.lin2ulaw(pcm, 2)
    alaw = audioop.lin2alaw(pcm, 2)
    ulaw_g191 = bytes(g191_ulaw_compress(x) for x in xs)
    assert bytes(g191_alaw_compress(x) for x in xs) == alaw, "G.191 A-law must equal audioop"
    diffs = [x for x, a, b in zip(xs, ulaw_g191, ulaw_sun) if a != b]
    assert len(diffs) == 508 and all(x < 0 for x in diffs), (len(diffs), diffs[:8])
    codes = bytes(range(256))
    ulaw_dec = struct.unpack("<256h", audioop.ulaw2lin(codes, 2))
    alaw_dec = struct.unpack("<256h", audioop.alaw2lin(codes, 2))
    assert list(ulaw_dec) == [g191_ulaw_expand(c) for c in range(256)]
    assert list(alaw_dec) == [g191_alaw_expand(c) for c in range(256)]
    with open(f"{out_dir}/g711_golden.bin", "wb") as f:
        f.write(ulaw_g191 + ulaw_sun + alaw + struct.pack("<256h", *ulaw_dec) + struct.pack("<256h", *alaw_dec))

    rng = random.Random(20240611)
    enc = bytearray()
    chunks = []
    # Carried state: consecutive chunks of one long signal, odd and even sizes,
    # plus explicit start states covering every index and extreme predictors.
    sig = []
    for i in range(20000):
        kind = (i // 2500) % 4
        if kind == 0:
            v = 12000 * math.sin(i * 0.05) + rng.gauss(0, 300)
        elif kind == 1:
            v = rng.choice([-32768, 32767, 0, rng.randint(-32768, 32767)])
        elif kind == 2:
            v = 30000 * math.sin(i * 0.9)
        else:
            v = rng.gauss(0, 40)
        sig.append(max(-32768, min(32767, int(v))))
    state = None
    pos = 0
    while pos < len(sig):
        n = rng.choice([0, 1, 2, 3, 7, 8, 15, 16, 33, 100, 255, 1001])
        n = min(n, len(sig) - pos)
        x = sig[pos:pos + n]
        pos += n
        st_in = state if state is not None else (0, 0)
        out, state = audioop.lin2adpcm(struct.pack(f"<{n}h", *x), 2, state)
        chunks.append((n, st_in, x, out, state))
    for idx in range(89):
        for vp in (-32768, -1, 0, 1, 32767, rng.randint(-32768, 32767)):
            n = rng.choice([1, 2, 5, 16, 31])
            x = [rng.randint(-32768, 32767) if rng.random() < 0.5 else rng.randint(-50, 50) for _ in range(n)]
            out, st = audioop.lin2adpcm(struct.pack(f"<{n}h", *x), 2, (vp, idx))
            chunks.append((n, (vp, idx), x, out, st))
    enc += struct.pack("<I", len(chunks))
    for n, st_in, x, out, st in chunks:
        assert len(out) == n // 2
        enc += struct.pack("<Iii", n, *st_in) + struct.pack(f"<{n}h", *x) + out + struct.pack("<ii", *st)
    dec_chunks = []
    state = None
    for k in range(300):
        nb = rng.choice([0, 1, 2, 3, 8, 17, 64, 200])
        b = bytes(rng.randrange(256) for _ in range(nb))
        st_in = state if state is not None else (0, 0)
        y, state = audioop.adpcm2lin(b, 2, state)
        dec_chunks.append((nb, st_in, b, y, state))
    for idx in range(89):
        for vp in (-32768, 32767, 0, rng.randint(-32768, 32767)):
            b = bytes(rng.randrange(256) for _ in range(9))
            y, st = audioop.adpcm2lin(b, 2, (vp, idx))
            dec_chunks.append((9, (vp, idx), b, y, st))
    enc += struct.pack("<I", len(dec_chunks))
    for nb, st_in, b, y, st in dec_chunks:
        enc += struct.pack("<Iii", nb, *st_in) + b + y + struct.pack("<ii", *st)
    with open(f"{out_dir}/adpcm_golden.bin", "wb") as f:
        f.write(enc)

    ms = [0.0, 1.0, 0.5, 0.75, 2.0, 3.0, -0.5, -1.0, -0.75, 1e-10, 2.0 ** -31, 2.0 ** -32, 2.0 ** -33,
          2.0 ** -40, 0.999999999, 1.0 - 2.0 ** -53, 1.0 - 2.0 ** -32, 1.0 - 2.0 ** -33, 0.5 + 2.0 ** -33,
          0.5 + 2.0 ** -32, 0.5 + 3 * 2.0 ** -33, 12345.678, 2.0 ** 30, 0.0078125, 0.003921568859368563,
          5e-324, -(1.0 - 2.0 ** -40)]
    for _ in range(2000):
        ms.append(math.ldexp(rng.random() + 0.5, rng.randint(-40, 20)) * (1 if rng.random() < 0.9 else -1))
    req = struct.pack("<I", len(ms))
    for m in ms:
        qm, sh = tflite_quantize_multiplier(m)
        req += struct.pack("<dii", m, qm, sh)
    with open(f"{out_dir}/requant_golden.bin", "wb") as f:
        f.write(req)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
