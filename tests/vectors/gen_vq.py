#!/usr/bin/python3
"""Golden vectors of the vq module, from FAISS 1.7.3 (run with /usr/bin/python3).

Writes tests/vectors/vq_*.bin (little-endian raw arrays) and vq_golden.h
(shapes and scalar references). Deterministic: fixed numpy seeds.
"""
import os
import numpy as np
import faiss

OUT = os.path.dirname(os.path.abspath(__file__))
H = []


def save(name, arr):
    arr = np.ascontiguousarray(arr)
    arr.tofile(os.path.join(OUT, name))


def define(name, value):
    H.append(f"#define {name} {value}")


def correlated(n, d, rank, seed):
    """Random low-rank + noise: the correlated data FAISS's SyntheticDataset lacks."""
    rs = np.random.RandomState(seed)
    basis = rs.randn(rank, d) * (1.0 / np.sqrt(np.arange(1, rank + 1)))[:, None]
    x = rs.randn(n, rank) @ basis + 0.1 * rs.randn(n, d)
    return x.astype(np.float32)


# ---- k-means: init parity (niter=0 returns the initial centroids) ----
N, D = 4000, 16
x = correlated(N, D, 6, 123)
save("vq_km_data.bin", x)
define("VQ_KM_N", N)
define("VQ_KM_D", D)


def clus(k, **kw):
    cp = faiss.ClusteringParameters()
    for key, v in kw.items():
        setattr(cp, key, v)
    c = faiss.Clustering(D, k, cp)
    index = faiss.IndexFlatL2(D)
    c.train(x, index)
    cent = faiss.vector_to_array(c.centroids).reshape(k, D)
    st = c.iteration_stats
    objs = np.array([st.at(i).obj for i in range(st.size())], dtype=np.float64)
    nsplit = np.array([st.at(i).nsplit for i in range(st.size())], dtype=np.int32)
    return cent, objs, nsplit


# subsampled (4000 > 32*64) with the default seed
cent, _, _ = clus(32, niter=0, max_points_per_centroid=64)
save("vq_km_init_k32_mpp64.bin", cent)
# no subsampling, seed 7
cent, _, _ = clus(20, niter=0, seed=7)
save("vq_km_init_k20_seed7.bin", cent)

# full default run: objective per iteration
cent, objs, _ = clus(32)
save("vq_km_obj_k32.bin", objs)
define("VQ_KM_OBJ_NITER", len(objs))
H.append("/* FAISS final objective (k=32, defaults): %r */" % objs[-1])

# ---- empty-cluster splitting on integer data with duplicates ----
rs = np.random.RandomState(5)
pts = rs.randint(-20, 21, size=(10, 4)).astype(np.float32)
xd = pts[rs.randint(0, 10, size=300)]
save("vq_km_dup_data.bin", xd)
cp = faiss.ClusteringParameters()
cp.niter = 4
c = faiss.Clustering(4, 16, cp)
c.train(xd, faiss.IndexFlatL2(4))
save("vq_km_dup_cent.bin", faiss.vector_to_array(c.centroids).reshape(16, 4))
st = c.iteration_stats
save("vq_km_dup_nsplit.bin", np.array([st.at(i).nsplit for i in range(st.size())], dtype=np.int32))
save("vq_km_dup_obj.bin", np.array([st.at(i).obj for i in range(st.size())], dtype=np.float64))
define("VQ_KM_DUP_N", 300)

# ---- PQ codes: FAISS compute_codes with given centroids (bit layout) ----
def pq_codes_case(tag, d, M, nbits, nq, seed):
    rs = np.random.RandomState(seed)
    ksub = 1 << nbits
    dsub = d // M
    cent = rs.randn(M, ksub, dsub).astype(np.float32)
    q = rs.randn(nq * 3, d).astype(np.float32)
    # drop vectors whose best and second-best sub-centroid distances are
    # near-ties (float rounding order may legitimately flip them)
    keep = []
    for i in range(q.shape[0]):
        ok = True
        for m in range(M):
            dd = ((cent[m].astype(np.float64) - q[i, m * dsub:(m + 1) * dsub]) ** 2).sum(1)
            s = np.sort(dd)
            if len(s) > 1 and s[1] - s[0] < 1e-4 * s[1]:
                ok = False
                break
        if ok:
            keep.append(i)
        if len(keep) == nq:
            break
    q = q[keep]
    pq = faiss.ProductQuantizer(d, M, nbits)
    faiss.copy_array_to_vector(cent.ravel(), pq.centroids)
    codes = pq.compute_codes(q)
    dec = pq.decode(codes)
    tab = np.zeros((M, ksub), dtype=np.float32)
    pq.compute_distance_table(faiss.swig_ptr(q[0]), faiss.swig_ptr(tab))
    save(f"vq_pq_{tag}_cent.bin", cent)
    save(f"vq_pq_{tag}_x.bin", q)
    save(f"vq_pq_{tag}_codes.bin", codes)
    save(f"vq_pq_{tag}_dec.bin", dec)
    save(f"vq_pq_{tag}_table0.bin", tab)
    return len(q), pq.code_size


cases = [("m4b6", 16, 4, 6), ("m8b8", 32, 8, 8), ("m3b1", 6, 3, 1), ("m5b3", 10, 5, 3),
         ("m3b11", 6, 3, 11), ("m2b16", 2, 2, 16), ("m4b12", 8, 4, 12)]
for i, (tag, d, M, nb) in enumerate(cases):
    nq, cs = pq_codes_case(tag, d, M, nb, 200 if nb < 14 else 60, 1000 + i)
    define(f"VQ_PQ_{tag.upper()}_NQ", nq)
    define(f"VQ_PQ_{tag.upper()}_CODE_SIZE", cs)

# ---- PQ training quality: FAISS MSE on correlated data ----
pq = faiss.ProductQuantizer(D, 4, 6)
pq.train(x)
rec = pq.decode(pq.compute_codes(x))
mse = float(((rec.astype(np.float64) - x) ** 2).sum(1).mean())
define("VQ_PQ_TRAIN_FAISS_MSE", repr(mse))
save("vq_pq_train_cent.bin", faiss.vector_to_array(pq.centroids))

# ---- OPQ (OPQMatrix, niter=6, niter_pq_0=20) + PQ4x8 and plain PQ4x8 on the
# first 2000 rows: MSE on the training set ----
def codec_mse(index):
    xs = x[:2000]
    index.train(xs)
    rec = index.sa_decode(index.sa_encode(xs))
    return float(((rec.astype(np.float64) - xs) ** 2).sum(1).mean())


opq = faiss.OPQMatrix(D, 4)
opq.niter = 6
opq.niter_pq_0 = 20
define("VQ_OPQ_FAISS_MSE", repr(codec_mse(faiss.IndexPreTransform(opq, faiss.IndexPQ(D, 4, 8)))))
define("VQ_PQ48_FAISS_MSE", repr(codec_mse(faiss.IndexPQ(D, 4, 8))))


# ---- RQ: FAISS ResidualQuantizer encode with given codebooks (beam search)
# and training MSE at beam 1 and 8 ----
def rq_beam_np(q, cbs, B):
    """float64 beam search; returns codes and the smallest relative gap at any
    beam cut (a near-tie there may legitimately flip the codes)."""
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
        if B > 1:
            gap = min(gap, (cands[1][0] - cands[0][0]) / (cands[1][0] + 1e-30))
        beams = cands[:B]
    return beams[0][1], gap


def rq_codes_case(tag, d, nbits, beam, nq, seed):
    rs = np.random.RandomState(seed)
    cbs = [(rs.randn(1 << b, d) * 0.6 ** m).astype(np.float32) for m, b in enumerate(nbits)]
    q = rs.randn(nq * 2, d).astype(np.float32)
    keep = []
    for i in range(q.shape[0]):
        _, gap = rq_beam_np(q[i], cbs, beam)
        if gap > 1e-4:
            keep.append(i)
        if len(keep) == nq:
            break
    q = q[keep]
    nb = faiss.UInt64Vector()
    for b in nbits:
        nb.push_back(b)
    rq = faiss.ResidualQuantizer(d, nb)
    rq.max_beam_size = beam
    faiss.copy_array_to_vector(np.concatenate([c.ravel() for c in cbs]), rq.codebooks)
    rq.is_trained = True
    codes = rq.compute_codes(q)
    for i in range(len(q)):  # our float64 reference agrees with FAISS off near-ties
        want, _ = rq_beam_np(q[i], cbs, beam)
        bits = int.from_bytes(codes[i].tobytes(), "little")
        got, o = [], 0
        for b in nbits:
            got.append((bits >> o) & ((1 << b) - 1))
            o += b
        assert got == want, (tag, i, got, want)
    save(f"vq_rq_{tag}_cent.bin", np.concatenate([c.ravel() for c in cbs]))
    save(f"vq_rq_{tag}_x.bin", q)
    save(f"vq_rq_{tag}_codes.bin", codes)
    save(f"vq_rq_{tag}_dec.bin", rq.decode(codes))
    return len(q), rq.code_size


for i, (tag, d, nbits, beam) in enumerate([("m4b6_beam1", 8, [6, 6, 6, 6], 1),
                                           ("m4b6_beam5", 8, [6, 6, 6, 6], 5),
                                           ("mixed_beam5", 12, [4, 6, 8, 3], 5),
                                           ("m3b5_beam16", 6, [5, 5, 5], 16)]):
    nq, cs = rq_codes_case(tag, d, nbits, beam, 100, 2000 + i)
    define(f"VQ_RQ_{tag.upper()}_NQ", nq)
    define(f"VQ_RQ_{tag.upper()}_CODE_SIZE", cs)

for beam in (1, 8):
    rq = faiss.ResidualQuantizer(D, 4, 6)
    rq.max_beam_size = beam
    rq.train(x)
    rec = rq.decode(rq.compute_codes(x))
    define(f"VQ_RQ_TRAIN_BEAM{beam}_FAISS_MSE", repr(float(((rec.astype(np.float64) - x) ** 2).sum(1).mean())))

# ---- CLI fixtures ----
np.save(os.path.join(OUT, "vq_cli_x.npy"), correlated(512, 8, 3, 77))
bad = correlated(64, 8, 3, 78)
bad[5, 3] = np.nan
np.save(os.path.join(OUT, "vq_cli_nan.npy"), bad)
np.save(os.path.join(OUT, "vq_cli_const.npy"), np.full((64, 8), 1.5, dtype=np.float32))

with open(os.path.join(OUT, "vq_golden.h"), "w") as f:
    f.write("/* Generated by tests/vectors/gen_vq.py from FAISS %s. Do not edit. */\n" % faiss.__version__)
    f.write("\n".join(H) + "\n")
print("ok")
