#!/usr/bin/python3
"""Golden data of the product-additive quantizer tests (PRQ, PLSQ) from FAISS
1.7.3 (run with /usr/bin/python3).

Writes tests/vectors/vq_prod_*.bin (little-endian raw arrays) and
vq_prod_golden.h:
* PRQ with given codebooks: faiss.ProductResidualQuantizer codes (beam search
  per split, FAISS's default beam 5 and beam 1) and decode. Queries whose beam
  search has a near-tie in any split (relative gap < 1e-4, float64
  reference) are skipped, as in gen_vq.py.
* PLSQ with given codebooks: FAISS's decode of FAISS's codes, and the MSE of
  FAISS's (randomized ICM) encode, the reference of our encode's MSE.
* Training MSE of PRQ and PLSQ (FAISS defaults) on correlated data; PLSQ's
  is the mean over 5 seeds (its SR-D noise is not reproducible), measured on
  the training rows in shuffled order (see below).
"""
import os
import numpy as np
import faiss

OUT = os.path.dirname(os.path.abspath(__file__))
H = []


def save(name, arr):
    np.ascontiguousarray(arr).tofile(os.path.join(OUT, name))


def define(name, value):
    H.append(f"#define {name} {value}")


def correlated(n, d, rank, seed):
    """Random low-rank + noise (the same generator as gen_vq.py)."""
    rs = np.random.RandomState(seed)
    basis = rs.randn(rank, d) * (1.0 / np.sqrt(np.arange(1, rank + 1)))[:, None]
    x = rs.randn(n, rank) @ basis + 0.1 * rs.randn(n, d)
    return x.astype(np.float32)


def mse(x, r):
    return float(((r.astype(np.float64) - x) ** 2).sum(1).mean())


def beam_np(q, cbs, B):
    """float64 beam search of one sub-vector; returns codes and the smallest
    relative gap at any beam cut."""
    beams = [(0.0, [], q.astype(np.float64))]
    gap = np.inf
    for cb in cbs:
        cands = []
        for _, codes, r in beams:
            dd = ((cb.astype(np.float64) - r) ** 2).sum(1)
            for j in range(cb.shape[0]):
                cands.append((dd[j], codes + [j], r - cb[j]))
        cands.sort(key=lambda t: t[0])
        if len(cands) > B:
            gap = min(gap, (cands[B][0] - cands[B - 1][0]) / (cands[B][0] + 1e-30))
        gap = min(gap, (cands[1][0] - cands[0][0]) / (cands[1][0] + 1e-30))
        beams = cands[:B]
    return beams[0][1], gap


def set_codebooks(pq, cb_splits):
    """Gives a product quantizer and its splits the codebooks cb_splits[s][m]."""
    for s, cbs in enumerate(cb_splits):
        sub = pq.subquantizer(s)
        faiss.copy_array_to_vector(np.concatenate([c.ravel() for c in cbs]), sub.codebooks)
        sub.is_trained = True
    faiss.copy_array_to_vector(np.concatenate([c.ravel() for cbs in cb_splits for c in cbs]), pq.codebooks)
    pq.is_trained = True


faiss.omp_set_num_threads(2)

# ---- PRQ with given codebooks
PRQ_CASES = [("s3m2b6_beam5", 12, 3, 2, 6, 5), ("s2m3b4_beam5", 8, 2, 3, 4, 5), ("s2m3b4_beam1", 8, 2, 3, 4, 1)]
for ci, (tag, d, ns, msub, nb, beam) in enumerate(PRQ_CASES):
    rs = np.random.RandomState(3000 + ci)
    ds = d // ns
    cbs = [[(rs.randn(1 << nb, ds) * 0.6 ** m).astype(np.float32) for m in range(msub)] for _ in range(ns)]
    q = rs.randn(400, d).astype(np.float32)
    keep, want = [], []
    for i in range(q.shape[0]):
        codes, ok = [], True
        for s in range(ns):
            c, gap = beam_np(q[i, s * ds:(s + 1) * ds], cbs[s], beam)
            ok = ok and gap > 1e-4
            codes += c
        if ok:
            keep.append(i)
            want.append(codes)
        if len(keep) == 100:
            break
    q = q[keep]
    pq = faiss.ProductResidualQuantizer(d, ns, msub, nb)
    for s in range(ns):
        faiss.downcast_AdditiveQuantizer(pq.subquantizer(s)).max_beam_size = beam
    set_codebooks(pq, cbs)
    codes = pq.compute_codes(q)
    assert codes.shape[1] == (ns * msub * nb + 7) // 8
    for i in range(len(q)):  # FAISS agrees with the float64 beam search off near-ties
        bits = int.from_bytes(codes[i].tobytes(), "little")
        got = [(bits >> (j * nb)) & ((1 << nb) - 1) for j in range(ns * msub)]
        assert got == want[i], (tag, i, got, want[i])
    save(f"vq_prod_{tag}_cent.bin", faiss.vector_to_array(pq.codebooks))
    save(f"vq_prod_{tag}_x.bin", q)
    save(f"vq_prod_{tag}_codes.bin", codes)
    save(f"vq_prod_{tag}_dec.bin", pq.decode(codes))
    define(f"VQ_PROD_{tag.upper()}_NQ", len(q))
    define(f"VQ_PROD_{tag.upper()}_CODE_SIZE", pq.code_size)

# ---- PLSQ with given codebooks: decode and encode MSE
D, NS, MS, NB = 16, 2, 3, 4
xall = correlated(2300, D, 6, 4320)  # train on 2000 rows, encode the other 300
xl = xall[2000:]
pl = faiss.ProductLocalSearchQuantizer(D, NS, MS, NB)
pl.train(xall[:2000])
cent = faiss.vector_to_array(pl.codebooks)
codes = pl.compute_codes(xl)
save("vq_prod_plsq_cent.bin", cent)
save("vq_prod_plsq_x.bin", xl)
save("vq_prod_plsq_codes.bin", codes)
save("vq_prod_plsq_dec.bin", pl.decode(codes))
define("VQ_PROD_PLSQ_N", len(xl))
define("VQ_PROD_PLSQ_CODE_SIZE", pl.code_size)
define("VQ_PROD_PLSQ_ENCODE_FAISS_MSE", repr(mse(xl, pl.decode(codes))))

# ---- training MSE on correlated data (FAISS defaults)
N = 1000
xt = correlated(N, D, 6, 321)
save("vq_prod_train_x.bin", xt)
define("VQ_PROD_TRAIN_N", N)
define("VQ_PROD_D", D)
pr = faiss.ProductResidualQuantizer(D, 2, 2, 5)
pr.train(xt)
define("VQ_PROD_PRQ_TRAIN_FAISS_MSE", repr(mse(xt, pr.decode(pr.compute_codes(xt)))))
# FAISS's LSQ encoder starts from the random codes of its training (same seed,
# same row order), which flatters its error on the training rows themselves
# (badly so when n < M*K); encoding the rows in another order removes that.
perm = np.random.RandomState(0).permutation(N)
ms = []
for seed in [0x12345, 1, 2, 3, 4]:
    pl = faiss.ProductLocalSearchQuantizer(D, 2, 2, 4)
    for s in range(2):
        faiss.downcast_AdditiveQuantizer(pl.subquantizer(s)).random_seed = seed
    pl.train(xt)
    ms.append(mse(xt[perm], pl.decode(pl.compute_codes(xt[perm]))))
define("VQ_PROD_PLSQ_TRAIN_FAISS_MSE", repr(float(np.mean(ms))))
define("VQ_PROD_PLSQ_TRAIN_FAISS_MSE_MIN", repr(float(np.min(ms))))
define("VQ_PROD_PLSQ_TRAIN_FAISS_MSE_MAX", repr(float(np.max(ms))))

with open(os.path.join(OUT, "vq_prod_golden.h"), "w") as f:
    f.write("/* Generated by tests/vectors/gen_vq_product.py (FAISS %s); do not edit. */\n" % faiss.__version__)
    f.write("\n".join(H) + "\n")
