#!/usr/bin/python3
"""Golden files of tests/cli/hw.sh (the G.711 / IMA-ADPCM schemes of `quant roundtrip` and `quant eval` on int16
.npy input, and `quant audio` on a WAV). Run with Debian's /usr/bin/python3 (3.11, which still has audioop):
    /usr/bin/python3 tests/vectors/gen_hw_cli.py
Writes tests/vectors/hw_cli/:
  pcm.npy               int16 [256] input: edge samples, then a deterministic chirp with noise
  in.wav                the same samples as a mono 8 kHz PCM16 WAV (Python's wave module)
  ulaw_sun.npy          uint8 codes = audioop.lin2ulaw (Sun g711.c)        ulaw_sun_dec.npy  int16 = ulaw2lin
  ulaw_g191.npy         uint8 codes of the ITU-T G.191 compressor (gen_hw.py transcription; ulaw_g191_dec.npy)
  alaw.npy              uint8 codes = audioop.lin2alaw                     alaw_dec.npy      int16 = alaw2lin
  adpcm.npy             uint8 codes = audioop.lin2adpcm nibbles, high nibble first (stream order), zero state
  adpcm_dec.npy         int16 = audioop.adpcm2lin of those bytes
  eval.txt              per scheme: mse and sqnr_db (%.9g) of decoded vs input, in int16 units
"""
import math
import os
import random
import sys
import warnings
import wave

import numpy as np

warnings.filterwarnings("ignore", category=DeprecationWarning)
import audioop  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gen_hw import g191_ulaw_compress  # noqa: E402

OUT = os.path.join(HERE, "hw_cli")
os.makedirs(OUT, exist_ok=True)

edges = [0, -1, 1, -2, 2, 32767, -32768, 32766, -32767, 1000, -1000, 100, -100, 4, -4, -5, 5, -31, -32, -33, 8158,
         -8159, 8159, -8160, 32635, -32635, 32636, -32636, 16384, -16384, 255, -256]
rng = random.Random(4)
pcm = list(edges)
n = 256
for i in range(n - len(edges)):
    t = i / 8000.0
    v = 12000 * math.sin(2 * math.pi * (200 + 4000 * t) * t) + rng.uniform(-600, 600)
    pcm.append(max(-32768, min(32767, int(round(v)))))
x = np.array(pcm, dtype=np.int16)
raw = x.tobytes()
np.save(os.path.join(OUT, "pcm.npy"), x)

with wave.open(os.path.join(OUT, "in.wav"), "wb") as w:
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(8000)
    w.writeframes(raw)

ulaw_sun = np.frombuffer(audioop.lin2ulaw(raw, 2), dtype=np.uint8)
ulaw_g191 = np.array([g191_ulaw_compress(int(s)) for s in x], dtype=np.uint8)
alaw = np.frombuffer(audioop.lin2alaw(raw, 2), dtype=np.uint8)
packed, _ = audioop.lin2adpcm(raw, 2, None)
adpcm = np.array([(b >> 4, b & 15)[k] for b in packed for k in (0, 1)], dtype=np.uint8)
assert (ulaw_g191 != ulaw_sun).sum() >= 5, "the fixture must show the G.191 / Sun difference"

dec = {
    "ulaw_sun": np.frombuffer(audioop.ulaw2lin(ulaw_sun.tobytes(), 2), dtype=np.int16),
    "ulaw_g191": np.frombuffer(audioop.ulaw2lin(ulaw_g191.tobytes(), 2), dtype=np.int16),
    "alaw": np.frombuffer(audioop.alaw2lin(alaw.tobytes(), 2), dtype=np.int16),
    "adpcm": np.frombuffer(audioop.adpcm2lin(packed, 2, None)[0], dtype=np.int16),
}
codes = {"ulaw_sun": ulaw_sun, "ulaw_g191": ulaw_g191, "alaw": alaw, "adpcm": adpcm}
for k in codes:
    np.save(os.path.join(OUT, k + ".npy"), codes[k])
    np.save(os.path.join(OUT, k + "_dec.npy"), dec[k])

specs = {"ulaw_g191": "g711-ulaw", "ulaw_sun": "g711-ulaw:variant=sun", "alaw": "g711-alaw", "adpcm": "ima-adpcm"}
with open(os.path.join(OUT, "eval.txt"), "w") as f:
    xd = x.astype(np.float64)
    for k, spec in specs.items():
        d = xd - dec[k].astype(np.float64)
        se = float(np.sum(d * d))
        sx = float(np.sum(xd * xd))
        f.write("%s %.9g %.9g\n" % (spec, se / len(x), 10 * math.log10(sx / se)))
print("wrote", OUT)
