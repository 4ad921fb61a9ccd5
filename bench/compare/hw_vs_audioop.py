#!/usr/bin/python3
"""Times CPython audioop vs libquant on the same int16 buffer.
    /usr/bin/python3 bench/compare/hw_vs_audioop.py build/bench/lq_hw_timing [n_samples]
Best-of-N wall time of one call each; the C side is bench/hw_timing.c (one library call per timing).
"""
import math
import os
import random
import struct
import subprocess
import sys
import tempfile
import time
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
import audioop  # noqa: E402


def best(fn, reps):
    b = 1e30
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        b = min(b, time.perf_counter() - t)
    return b


def main():
    exe = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 20
    rng = random.Random(1)
    x = [max(-32768, min(32767, int(9000 * math.sin(i * 0.01) + 3000 * math.sin(i * 0.37) + rng.gauss(0, 500))))
         for i in range(n)]
    pcm = struct.pack(f"<{n}h", *x)
    ul = audioop.lin2ulaw(pcm, 2)
    al = audioop.lin2alaw(pcm, 2)
    ad, _ = audioop.lin2adpcm(pcm, 2, None)
    ops = [
        ("ulaw_enc_sun", lambda: audioop.lin2ulaw(pcm, 2), 10),
        ("ulaw_enc_g191", lambda: audioop.lin2ulaw(pcm, 2), 10),
        ("alaw_enc", lambda: audioop.lin2alaw(pcm, 2), 10),
        ("ulaw_dec", lambda: audioop.ulaw2lin(ul, 2), 1),
        ("alaw_dec", lambda: audioop.alaw2lin(al, 2), 1),
        ("adpcm_enc", lambda: audioop.lin2adpcm(pcm, 2, None), 2),
        ("adpcm_dec", lambda: audioop.adpcm2lin(ad, 2, None), 2),
    ]
    with tempfile.NamedTemporaryFile(suffix=".raw", delete=False) as f:
        f.write(pcm)
        path = f.name
    try:
        print(f"{n} samples; best of N; times in ms")
        print(f"{'op':<15}{'audioop':>10}{'libquant':>10}{'speedup':>9}{'target':>8}")
        for op, fn, target in ops:
            ta = best(fn, 15)
            tl = float(subprocess.check_output([exe, op, path, "30"]).decode())
            ok = "ok" if ta / tl >= target else "MISS"
            print(f"{op:<15}{ta * 1e3:>10.3f}{tl * 1e3:>10.3f}{ta / tl:>8.1f}x {'>=' + str(target) + 'x':>6} {ok}")
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main()
