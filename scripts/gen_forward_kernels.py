#!/usr/bin/env python3
"""Writes bellm-engine dev.bellm.kernels.Forward8/Forward16: the forward micro-kernels of one vector width each.
Java needs a constant vector species per compiled loop, so each width is its own class; this keeps them alike.
Run from the repository root: python3 scripts/gen_forward_kernels.py"""
import os
def gen(cls, lanes, species):
    L = lanes
    out = []
    w = out.append
    w(f"""package dev.bellm.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {{@link ForwardKernel}} micro-kernels on {L}-lane vectors ({species}). Each method keeps its accumulators in
 * registers for the whole k-block and writes them back, so a long k can be split into blocks. Vectors are never
 * passed to or returned from helpers: a vector crossing a call that C2 does not inline is boxed (see
 * {{@link #reduce}}). Everything is lanewise IEEE arithmetic (never {{@code reduceLanes}}, whose order is
 * unspecified), so interpreted and compiled code agree bit for bit. Generated shape by shape, like its sibling.
 */
final class {cls} implements ForwardKernel {{
    static final {cls} INSTANCE = new {cls}();
    private static final VectorSpecies<Float> S = FloatVector.{species};
    private static final int L = {L};
""")
    levels = []
    step = L // 2
    while step >= 1:
        mask = 0
        for l in range(L):
            if (l // step) % 2 == 1: mask |= 1 << l
        swap = [l ^ step for l in range(L)]
        levels.append((step, mask, swap))
        step //= 2
    for step, mask, swap in levels:
        w(f"    private static final VectorMask<Float> UPPER_{step} = VectorMask.fromLong(S, 0x{mask:x}L);")
        w(f"    private static final VectorShuffle<Float> SWAP_{step} = VectorShuffle.fromValues(S, {', '.join(map(str, swap))});")
    vecs = [[a] * L for a in range(L)]
    for step, mask, swap in levels:
        nv = []
        for i in range(0, len(vecs), 2):
            a, b = vecs[i], vecs[i + 1]
            first = [b[l] if (mask >> l) & 1 else a[l] for l in range(L)]
            second_pre = [a[l] if (mask >> l) & 1 else b[l] for l in range(L)]
            second = [second_pre[swap[l]] for l in range(L)]
            assert first == second, (first, second)
            nv.append(first)
        vecs = nv
    owner = vecs[0]
    inv = [owner.index(j) for j in range(L)]
    w(f"    /** After the folding levels lane p holds the sum of one accumulator; this shuffle puts output j in lane j. */")
    w(f"    private static final VectorShuffle<Float> TREE_ORDER = VectorShuffle.fromValues(S, {', '.join(map(str, inv))});")
    w("""
    private """ + cls + """() {}

    @Override
    public int lanes() {
        return L;
    }

    @Override
    public void panel(float[] xp, int xo, int rows, float[] wp, int wo, int chunks, float[] acc, int ao) {
        int stride = rows * L;
        switch (rows) {
            case 4 -> forward4x4(xp, xo, wp, wo, chunks, acc, ao);
            case 2 -> forward2x4(xp, xo, stride, wp, wo, chunks, acc, ao);
            case 3 -> {
                forward2x4(xp, xo, stride, wp, wo, chunks, acc, ao);
                forward1x4(xp, xo + 2 * L, stride, wp, wo, chunks, acc, ao + 8 * L);
            }
            default -> forward1x4(xp, xo, stride, wp, wo, chunks, acc, ao);
        }
    }
""")
    def accload(rows):
        return "\n".join(f"        FloatVector c{r}{p} = FloatVector.fromArray(S, acc, ao + {r*4+p} * L);" for r in range(rows) for p in range(4))
    def accstore(rows):
        return "\n".join(f"        c{r}{p}.intoArray(acc, ao + {r*4+p} * L);" for r in range(rows) for p in range(4))
    def body(rows):
        return "\n".join(f"""            FloatVector x{r} = FloatVector.fromArray(S, xp, xc + {r} * L);
            c{r}0 = x{r}.fma(w0, c{r}0);
            c{r}1 = x{r}.fma(w1, c{r}1);
            c{r}2 = x{r}.fma(w2, c{r}2);
            c{r}3 = x{r}.fma(w3, c{r}3);""" for r in range(rows))
    wl = """            FloatVector w0 = FloatVector.fromArray(S, wp, wc), w1 = FloatVector.fromArray(S, wp, wc + L);
            FloatVector w2 = FloatVector.fromArray(S, wp, wc + 2 * L), w3 = FloatVector.fromArray(S, wp, wc + 3 * L);
"""
    w("""    /** 4 rows × 4 outputs: 16 accumulators + 4 w + 4 x vectors, within AVX-512's 32 registers. */
    private static void forward4x4(float[] xp, int xo, float[] wp, int wo, int chunks, float[] acc, int ao) {
""" + accload(4) + """
        for (int c = 0; c < chunks; c++) {
            int xc = xo + c * 4 * L, wc = wo + c * 4 * L;
""" + wl + body(4) + """
        }
""" + accstore(4) + """
    }

    /** 2 rows (chunk c of row q at {@code xo + c·xStride + q·L}) × 4 outputs: 8 accumulators, within 16 registers. */
    private static void forward2x4(float[] xp, int xo, int xStride, float[] wp, int wo, int chunks, float[] acc, int ao) {
""" + accload(2) + """
        for (int c = 0; c < chunks; c++) {
            int xc = xo + c * xStride, wc = wo + c * 4 * L;
""" + wl + body(2) + """
        }
""" + accstore(2) + """
    }

    /** One row (chunk c at {@code xo + c·xStride}) × 4 outputs: the same per-accumulator steps as the wider tiles. */
    private static void forward1x4(float[] xp, int xo, int xStride, float[] wp, int wo, int chunks, float[] acc, int ao) {
""" + accload(1) + """
        for (int c = 0; c < chunks; c++) {
            int wc = wo + c * 4 * L;
            FloatVector x0 = FloatVector.fromArray(S, xp, xo + c * xStride);
            c00 = x0.fma(FloatVector.fromArray(S, wp, wc), c00);
            c01 = x0.fma(FloatVector.fromArray(S, wp, wc + L), c01);
            c02 = x0.fma(FloatVector.fromArray(S, wp, wc + 2 * L), c02);
            c03 = x0.fma(FloatVector.fromArray(S, wp, wc + 3 * L), c03);
        }
""" + accstore(1) + """
    }
""")
    lines = []
    for a in range(L):
        lines.append(f"        FloatVector a{a} = FloatVector.fromArray(S, acc, lo + {a // 4} * stripStride + {a % 4} * L);")
    names = [f"a{a}" for a in range(L)]
    lvl = 0
    for step, mask, swap in levels:
        nn = []
        for i in range(0, len(names), 2):
            a, b = names[i], names[i + 1]
            n = f"s{lvl}{i//2}"
            lines.append(f"        FloatVector {n} = {a}.blend({b}, UPPER_{step}).add({b}.blend({a}, UPPER_{step}).rearrange(SWAP_{step}));")
            nn.append(n)
        names = nn
        lvl += 1
    lines.append(f"        FloatVector sums = {names[0]}.rearrange(TREE_ORDER);")
    w("""    /**
     * Folds the accumulators pairwise, halving the partial sums per lane at each level: where the level's mask is
     * clear a lane keeps the first vector's partial and adds its partner lane's (the level's swap); where set, the same
     * for the second vector. Written out rather than looped or split into helpers: inside a large compilation C2
     * stops inlining small methods, and a vector passed to a call that is not inlined is boxed.
     */
    @Override
    public void reduce(float[] acc, int lo, int stripStride, float[] dst, int off, int count) {
""" + "\n".join(lines) + """
        if (count >= L) sums.intoArray(dst, off);
        else sums.intoArray(dst, off, S.indexInRange(0, count));
    }
}
""")
    open(os.path.join("bellm-engine/src/main/java/dev/bellm/kernels", cls + ".java"), "w").write("\n".join(out))
gen("Forward8", 8, "SPECIES_256")
gen("Forward16", 16, "SPECIES_512")
