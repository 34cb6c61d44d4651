#!/usr/bin/python3
"""Node test cases for what Debian's onnx 1.12 suite does not cover: ops added
after opset 17 (Mish, the Bitwise ops, GroupNormalization at 18 and 21, the
Scatter reductions max/min, the Reduce ops' axes input), ops it has no case
for (LpPool, GlobalLpPool, LpNormalization) and edges (MaxPool's Indices with
padding, Softplus far from zero, Einsum's broadcast ellipsis, TopK ties).

Each expected output is computed here with numpy from the formula in the ONNX
spec (Operators.md), written independently of the C templates. The layout is
the suite's: <out>/test_<name>/model.onnx and test_data_set_0/{input,output}_N.pb.

    spec_cases.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

rng = np.random.default_rng(2026)
OUT = sys.argv[1] if len(sys.argv) > 1 else "build/spec_cases"


def case(name, op, inputs, outputs, opset, **attrs):
    """inputs: list of (name, array); outputs: list of (name, array)."""
    node = helper.make_node(op, [n for n, _ in inputs], [n for n, _ in outputs], **attrs)
    inputs = [(n, a) for n, a in inputs if n]  # "" names an omitted optional input

    def vi(n, a):
        return helper.make_tensor_value_info(n, onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype(a.dtype)], a.shape)

    graph = helper.make_graph([node], name, [vi(n, a) for n, a in inputs], [vi(n, a) for n, a in outputs])
    model = helper.make_model(graph, opset_imports=[helper.make_operatorsetid("", opset)])
    d = os.path.join(OUT, "test_" + name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    for kind, items in (("input", inputs), ("output", outputs)):
        for i, (n, a) in enumerate(items):
            with open(os.path.join(d, "test_data_set_0", f"{kind}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(np.asarray(a), n).SerializeToString())


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


# --- pooling: LpPool's window sums |x|^p over what is inside (padding adds 0) ---
def lp_pool(x, k, s, pads, p, dil=(1, 1)):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    eh, ew = (k[0] - 1) * dil[0] + 1, (k[1] - 1) * dil[1] + 1
    oh = (xp.shape[2] - eh) // s[0] + 1
    ow = (xp.shape[3] - ew) // s[1] + 1
    y = np.zeros((n, c, oh, ow), np.float64)
    for i in range(oh):
        for j in range(ow):
            win = xp[:, :, i * s[0]:i * s[0] + eh:dil[0], j * s[1]:j * s[1] + ew:dil[1]]
            y[:, :, i, j] = (np.abs(win.astype(np.float64)) ** p).sum(axis=(2, 3)) ** (1.0 / p)
    return y.astype(np.float32)


x = f32(2, 3, 6, 7)
case("lppool_2d_p2_pads", "LpPool", [("x", x)], [("y", lp_pool(x, (3, 3), (1, 1), (1, 1, 1, 1), 2))], 18,
     kernel_shape=[3, 3], pads=[1, 1, 1, 1], p=2)
case("lppool_2d_p1_strides", "LpPool", [("x", x)], [("y", lp_pool(x, (2, 3), (2, 2), (0, 0, 0, 0), 1))], 18,
     kernel_shape=[2, 3], strides=[2, 2], p=1)
case("lppool_2d_p3_dilations", "LpPool", [("x", x)], [("y", lp_pool(x, (2, 2), (1, 1), (0, 0, 0, 0), 3, (2, 2)))], 18,
     kernel_shape=[2, 2], dilations=[2, 2], p=3)
case("globallppool_p2", "GlobalLpPool", [("x", x)], [("y", lp_pool(x, (6, 7), (1, 1), (0, 0, 0, 0), 2))], 13)
case("globallppool_p3", "GlobalLpPool", [("x", x)], [("y", lp_pool(x, (6, 7), (1, 1), (0, 0, 0, 0), 3))], 13, p=3)


# --- MaxPool's Indices: flat positions in X (batch and channel included), padding skipped ---
def max_pool_idx(x, k, s, pads):
    n, c, h, w = x.shape
    oh = (h + pads[0] + pads[2] - k[0]) // s[0] + 1
    ow = (w + pads[1] + pads[3] - k[1]) // s[1] + 1
    y = np.zeros((n, c, oh, ow), np.float32)
    ix = np.zeros((n, c, oh, ow), np.int64)
    for b in range(n):
        for ch in range(c):
            for i in range(oh):
                for j in range(ow):
                    best, at = -np.inf, -1
                    for a in range(k[0]):
                        for e in range(k[1]):
                            hh, ww = i * s[0] - pads[0] + a, j * s[1] - pads[1] + e
                            if 0 <= hh < h and 0 <= ww < w and (at < 0 or x[b, ch, hh, ww] > best):
                                best, at = x[b, ch, hh, ww], ((b * c + ch) * h + hh) * w + ww
                    y[b, ch, i, j], ix[b, ch, i, j] = best, at
    return y, ix


y, ix = max_pool_idx(x, (3, 3), (2, 2), (1, 1, 1, 1))
case("maxpool_indices_pads_strides", "MaxPool", [("x", x)], [("y", y), ("i", ix)], 12, kernel_shape=[3, 3],
     strides=[2, 2], pads=[1, 1, 1, 1])

# --- normalization ---
for axis, p in ((1, 2), (-1, 1)):
    x = f32(3, 4, 5)
    norm = np.sum(np.abs(x.astype(np.float64)) ** p, axis=axis, keepdims=True) ** (1.0 / p)
    case(f"lpnormalization_axis{axis}_p{p}".replace("-", "m"), "LpNormalization", [("x", x)],
         [("y", (x / norm).astype(np.float32))], 13, axis=axis, p=p)


def group_norm(x, g, scale, bias, eps, per_channel):
    n, c = x.shape[:2]
    xr = x.reshape(n, g, -1).astype(np.float64)
    xn = ((xr - xr.mean(axis=2, keepdims=True)) / np.sqrt(xr.var(axis=2, keepdims=True) + eps)).reshape(x.shape)
    if not per_channel:  # opset 18: one scale and bias per group
        scale, bias = np.repeat(scale, c // g), np.repeat(bias, c // g)
    sh = (1, c) + (1,) * (x.ndim - 2)
    return (xn * scale.reshape(sh) + bias.reshape(sh)).astype(np.float32)


x = f32(2, 6, 3, 4)
sg, bg, sc, bc = f32(3), f32(3), f32(6), f32(6)
case("groupnormalization_opset18_per_group", "GroupNormalization", [("x", x), ("s", sg), ("b", bg)],
     [("y", group_norm(x, 3, sg, bg, 1e-5, False))], 18, num_groups=3)
case("groupnormalization_opset21_per_channel", "GroupNormalization", [("x", x), ("s", sc), ("b", bc)],
     [("y", group_norm(x, 3, sc, bc, 1e-2, True))], 21, num_groups=3, epsilon=1e-2)

# --- elementwise ---
x = np.concatenate([f32(20) * 4, np.array([-100, -30, 0, 30, 100], np.float32)])
sp = np.logaddexp(0, x.astype(np.float64))  # log(1 + e^x) computed without overflow
case("mish_wide_range", "Mish", [("x", x)], [("y", (x * np.tanh(sp)).astype(np.float32))], 18)
case("softplus_far_from_zero", "Softplus", [("x", x)], [("y", sp.astype(np.float32))], 13)

a = rng.integers(-1000, 1000, (3, 4)).astype(np.int32)
b = rng.integers(-1000, 1000, (4,)).astype(np.int32)
for op, fn in (("BitwiseAnd", np.bitwise_and), ("BitwiseOr", np.bitwise_or), ("BitwiseXor", np.bitwise_xor)):
    case(op.lower() + "_int32_bcast", op, [("a", a), ("b", b)], [("y", fn(a, b))], 18)
u = rng.integers(0, 255, (2, 5)).astype(np.uint8)
case("bitwisexor_uint8", "BitwiseXor", [("a", u), ("b", u[::-1].copy())], [("y", np.bitwise_xor(u, u[::-1]))], 18)
s16 = rng.integers(-30000, 30000, (7,)).astype(np.int16)
case("bitwisenot_int16", "BitwiseNot", [("x", s16)], [("y", np.invert(s16))], 18)
xi = rng.integers(-20, 20, (2, 3)).astype(np.int32)
sl = np.array([2, -3, 1], np.int32)
case("prelu_int32", "PRelu", [("x", xi), ("s", sl)], [("y", np.where(xi < 0, xi * sl, xi))], 16)

# --- scatter reductions max / min (opset 18) ---
data = f32(4, 3)
idx = np.array([[1, 0, 3], [1, 2, 3]], np.int64)
upd = f32(2, 3)
for red, fn in (("max", np.maximum), ("min", np.minimum)):
    want = data.copy()
    for i in range(2):
        for j in range(3):
            want[idx[i, j], j] = fn(want[idx[i, j], j], upd[i, j])
    case(f"scatterelements_{red}", "ScatterElements", [("d", data), ("i", idx), ("u", upd)], [("y", want)], 18,
         axis=0, reduction=red)
    ind = np.array([[1], [3], [1]], np.int64)
    u3 = f32(3, 3)
    want = data.copy()
    for i in range(3):
        want[ind[i, 0]] = fn(want[ind[i, 0]], u3[i])
    case(f"scatternd_{red}", "ScatterND", [("d", data), ("i", ind), ("u", u3)], [("y", want)], 18, reduction=red)

# --- the Reduce ops with axes as an input (opset 18) ---
x = f32(3, 4, 5)
axes = np.array([0, 2], np.int64)
x64 = x.astype(np.float64)
reductions = {
    "ReduceMin": x.min(axis=(0, 2)),
    "ReduceMax": x.max(axis=(0, 2)),
    "ReduceProd": x64.prod(axis=(0, 2)),
    "ReduceL1": np.abs(x64).sum(axis=(0, 2)),
    "ReduceL2": np.sqrt((x64 ** 2).sum(axis=(0, 2))),
    "ReduceSumSquare": (x64 ** 2).sum(axis=(0, 2)),
    "ReduceLogSumExp": np.log(np.exp(x64).sum(axis=(0, 2))),
    "ReduceLogSum": np.log(np.abs(x64).sum(axis=(0, 2))),
}
for op, want in reductions.items():
    xin = np.abs(x) if op == "ReduceLogSum" else x
    case(op.lower() + "_axes_input_opset18", op, [("x", xin), ("axes", axes)], [("y", want.astype(np.float32))], 18,
         keepdims=0)
big = (f32(2, 3) * 50 + 200).astype(np.float32)  # exp overflows float32: the max must be taken out first
case("reducelogsumexp_large_values", "ReduceLogSumExp", [("x", big), ("axes", np.array([1], np.int64))],
     [("y", (np.log(np.exp(big.astype(np.float64) - 300).sum(axis=1, keepdims=True)) + 300).astype(np.float32))], 18)

# --- Einsum: a broadcast ellipsis, a diagonal, implicit output ---
a, b = f32(2, 1, 3, 4), f32(5, 4, 2)
case("einsum_ellipsis_broadcast", "Einsum", [("a", a), ("b", b)], [("y", np.einsum("...ij,...jk->...ik", a, b))],
     12, equation="...ij,...jk->...ik")
m = f32(4, 4)
case("einsum_diagonal", "Einsum", [("m", m)], [("y", np.einsum("ii->i", m))], 12, equation="ii->i")
a, b = f32(3, 4), f32(4, 5)
case("einsum_implicit", "Einsum", [("a", a), ("b", b)], [("y", np.einsum("ij,jk", a, b))], 12, equation="ij,jk")

# --- TopK: ties keep the lower index first ---
x = np.array([[3, 1, 3, 2, 3, 1], [0, 0, 0, 0, 0, 0]], np.float32)
order = np.argsort(-x, axis=1, kind="stable")[:, :4]
case("topk_ties_largest", "TopK", [("x", x), ("k", np.array([4], np.int64))],
     [("v", np.take_along_axis(x, order, 1)), ("i", order.astype(np.int64))], 11)
order = np.argsort(x, axis=1, kind="stable")[:, :3]
case("topk_ties_smallest", "TopK", [("x", x), ("k", np.array([3], np.int64))],
     [("v", np.take_along_axis(x, order, 1)), ("i", order.astype(np.int64))], 11, largest=0)


# --- Resize (opset 18/19): antialias, axes, keep_aspect_ratio_policy, cubic exclude_outside ---
# Separable, as the spec's reference: along each axis, every output coordinate maps back to the
# source (the coordinate transformation), then the n source pixels nearest to it (ties to the
# lower) are weighted by the kernel evaluated at their distance times min(scale, 1) when
# antialiasing, normalized; pixels past the edge repeat the edge (or weigh 0 with exclude_outside).
def kernel_weights(mode, x, in_len, scale, antialias, a=-0.75, exclude_outside=False):
    s = min(scale, 1.0) if antialias else 1.0
    support = 2.0 if mode == "cubic" else 1.0
    start = int(np.floor(-support / s) + 1)
    taps = 2 - 2 * start
    f = np.floor(x)
    r = x - f
    if r == 0:
        f, r = f - 1, 1.0
    out = []
    for i in range(start, start + taps):
        d = abs((i - r) * s)
        if mode == "cubic":
            w = ((a + 2) * d - (a + 3)) * d * d + 1 if d <= 1 else (((a * d - 5 * a) * d + 8 * a) * d - 4 * a if d < 2 else 0)
        else:
            w = max(0.0, 1 - d)
        k = int(f) + i
        if exclude_outside and not 0 <= k < in_len:
            w = 0.0
        out.append((min(max(k, 0), in_len - 1), w))
    total = sum(w for _, w in out)
    if antialias and s < 1 or exclude_outside:
        out = [(k, w / total) for k, w in out]
    return out


def resize_axis(x, axis, out_len, scale, mode, antialias=False, exclude_outside=False, a=-0.75):
    in_len = x.shape[axis]
    xm = np.moveaxis(x.astype(np.float64), axis, 0)
    y = np.zeros((out_len,) + xm.shape[1:])
    for o in range(out_len):
        src = (o + 0.5) / scale - 0.5  # half_pixel
        for k, w in kernel_weights(mode, src, in_len, scale, antialias, a, exclude_outside):
            y[o] += w * xm[k]
    return np.moveaxis(y, 0, axis)


x = f32(1, 2, 8, 9)
sc = np.array([1, 1, 0.5, 0.4], np.float32)
for mode in ("linear", "cubic"):
    y = x
    for ax in (2, 3):
        y = resize_axis(y, ax, int(np.floor(x.shape[ax] * sc[ax])), float(sc[ax]), mode, antialias=True)
    node_inputs = [("x", x), ("roi", np.zeros(0, np.float32)), ("scales", sc)]
    case(f"resize_downsample_{mode}_antialias", "Resize", node_inputs, [("y", y.astype(np.float32))], 18, mode=mode,
         antialias=1)
y = resize_axis(resize_axis(x, 2, 12, 1.5, "cubic", exclude_outside=True, a=-0.5), 3, 13, 13 / 9, "cubic",
                exclude_outside=True, a=-0.5)
case("resize_cubic_exclude_outside_sizes", "Resize",
     [("x", x), ("roi", np.zeros(0, np.float32)), ("scales", np.zeros(0, np.float32)),
      ("sizes", np.array([1, 2, 12, 13], np.int64))], [("y", y.astype(np.float32))], 13, mode="cubic",
     exclude_outside=1, cubic_coeff_a=-0.5)
y = resize_axis(resize_axis(x, 2, 16, 2.0, "linear"), 3, 27, 3.0, "linear")
case("resize_axes_scales", "Resize", [("x", x), ("roi", np.zeros(0, np.float32)), ("scales", np.array([2, 3], np.float32))],
     [("y", y.astype(np.float32))], 18, mode="linear", axes=[2, 3])
for policy, pick in (("not_larger", min), ("not_smaller", max)):
    sizes = np.array([6, 5], np.int64)
    s = pick(6 / 8, 5 / 9)
    oh, ow = int(np.floor(8 * s + 0.5)), int(np.floor(9 * s + 0.5))
    y = resize_axis(resize_axis(x, 2, oh, s, "linear"), 3, ow, s, "linear")
    case(f"resize_keep_aspect_{policy}", "Resize",
         [("x", x), ("roi", np.zeros(0, np.float32)), ("scales", np.zeros(0, np.float32)), ("sizes", sizes)],
         [("y", y.astype(np.float32))], 18, mode="linear", axes=[2, 3], keep_aspect_ratio_policy=policy)

# --- Upsample-7: scales as an attribute, nearest = floor(out / scale) ---
x = f32(1, 1, 2, 3)
y = x.repeat(2, axis=2).repeat(3, axis=3)
case("upsample7_nearest_attribute", "Upsample", [("x", x)], [("y", y)], 7, mode="nearest", scales=[1.0, 1.0, 2.0, 3.0])


# --- Col2Im (opset 18): the blocks summed back into the image ---
def col2im(x, img, blk, strides, dil, pads):
    n, cb, L = x.shape
    c = cb // int(np.prod(blk))
    out = [(img[i] + pads[i] + pads[len(img) + i] - dil[i] * (blk[i] - 1) - 1) // strides[i] + 1
           for i in range(len(img))]
    y = np.zeros((n, c) + tuple(img), np.float64)
    for bi, b in enumerate(np.ndindex(*blk)):
        for li, l in enumerate(np.ndindex(*out)):
            pos = [l[i] * strides[i] - pads[i] + b[i] * dil[i] for i in range(len(img))]
            if all(0 <= pos[i] < img[i] for i in range(len(img))):
                y[(slice(None), slice(None)) + tuple(pos)] += x[:, bi::int(np.prod(blk)), li][:, :c]
    return y.astype(np.float32)


blk, img = (2, 3), (5, 6)
x = f32(2, 3 * 6, 4 * 2)  # pads 1 all round, strides (2, 3): blocks (5+2-2)//2+1 = 3... computed below
out = [(img[0] + 2 - 2) // 2 + 1, (img[1] + 2 - 3) // 3 + 1]
x = f32(2, 3 * 6, out[0] * out[1])
case("col2im_strides_pads", "Col2Im", [("x", x), ("img", np.array(img, np.int64)), ("blk", np.array(blk, np.int64))],
     [("y", col2im(x, img, blk, (2, 3), (1, 1), (1, 1, 1, 1)))], 18, strides=[2, 3], pads=[1, 1, 1, 1])
x = f32(1, 2 * 4, 9 * 3)
case("col2im_dilations", "Col2Im", [("x", x), ("img", np.array([11, 5], np.int64)), ("blk", np.array([2, 2], np.int64))],
     [("y", col2im(x, (11, 5), (2, 2), (1, 1), (2, 2), (0, 0, 0, 0)))], 18, dilations=[2, 2])

# --- CenterCropPad (opset 18): crop or zero-pad each named axis around its center ---
x = f32(5, 6, 3)
y = np.zeros((3, 9, 3), np.float32)
y[:, 1:7, :] = x[1:4, :, :]  # crop 5 -> 3 from 1; pad 6 -> 9 starting at 1
case("centercroppad_crop_and_pad", "CenterCropPad", [("x", x), ("s", np.array([3, 9], np.int64))], [("y", y)], 18,
     axes=[0, 1])
y = x[:, 1:5, :]
case("centercroppad_negative_axis", "CenterCropPad", [("x", x), ("s", np.array([4], np.int64))], [("y", y)], 18,
     axes=[-2])


# --- AffineGrid (opset 20): theta applied to the base grid in [-1, 1] ---
def base(s, align):
    if align:
        return np.linspace(-1, 1, s) if s > 1 else np.array([-1.0])
    return (2 * np.arange(s) + 1) / s - 1


for align in (0, 1):
    th = f32(2, 2, 3)
    H, W = 4, 5
    ys, xs = np.meshgrid(base(H, align), base(W, align), indexing="ij")
    pts = np.stack([xs, ys, np.ones_like(xs)], -1)  # [H, W, 3]
    grid = np.einsum("hwk,njk->nhwj", pts, th.astype(np.float64)).astype(np.float32)
    case(f"affine_grid_2d_align{align}", "AffineGrid", [("t", th), ("s", np.array([2, 3, H, W], np.int64))],
         [("g", grid)], 20, align_corners=align)
th = f32(1, 3, 4)
zs, ys, xs = np.meshgrid(base(2, 0), base(3, 0), base(4, 0), indexing="ij")
pts = np.stack([xs, ys, zs, np.ones_like(xs)], -1)
grid = np.einsum("dhwk,njk->ndhwj", pts, th.astype(np.float64)).astype(np.float32)
case("affine_grid_3d", "AffineGrid", [("t", th), ("s", np.array([1, 1, 2, 3, 4], np.int64))], [("g", grid)], 20)

# --- MaxUnpool with an output_shape larger than inferred: the result sits in its corner ---
x = f32(1, 2, 2, 2)
ind = np.array([[[[0, 3], [9, 14]], [[17, 19], [26, 31]]]], np.int64)  # positions in [1, 2, 4, 4]
inf = np.zeros(32, np.float32)
inf[ind.ravel()] = x.ravel()
y = np.zeros((1, 2, 5, 6), np.float32)
y[:, :, :4, :4] = inf.reshape(1, 2, 4, 4)
case("maxunpool_output_shape_larger", "MaxUnpool",
     [("x", x), ("i", ind), ("s", np.array([1, 2, 5, 6], np.int64))], [("y", y)], 11, kernel_shape=[2, 2],
     strides=[2, 2])

# --- Det: batched, a singular matrix, a permutation ---
m = f32(3, 4, 4)
m[1, 3] = m[1, 0] * 2  # singular
m[2] = np.eye(4, dtype=np.float32)[[1, 0, 3, 2]]
case("det_batched_singular_permutation", "Det", [("m", m)], [("y", np.linalg.det(m.astype(np.float64)).astype(np.float32))],
     11)


# --- DFT (17, 20), STFT: numpy's FFT as the oracle ---
def as_pairs(z):
    return np.stack([z.real, z.imag], -1).astype(np.float32)


x = f32(2, 6, 3, 1)
case("dft_real_onesided_padded", "DFT", [("x", x), ("n", np.array(8, np.int64))],
     [("y", as_pairs(np.fft.fft(x[..., 0], n=8, axis=1)[:, :5]))], 17, axis=1, onesided=1)
xc = f32(3, 5, 2)
z = xc[..., 0] + 1j * xc[..., 1]
case("dft_complex_inverse_truncated", "DFT", [("x", xc), ("n", np.array(4, np.int64))],
     [("y", as_pairs(np.fft.ifft(z, n=4, axis=1)))], 17, axis=1, inverse=1)
case("dft_opset20_axis_input", "DFT", [("x", x), ("n", np.array(3, np.int64)), ("a", np.array(-2, np.int64))],
     [("y", as_pairs(np.fft.fft(x[..., 0], n=3, axis=2)))], 20)
sig = f32(2, 20, 1)
frames = [(sig[:, f * 4:f * 4 + 8, 0]) for f in range((20 - 8) // 4 + 1)]
spec = np.stack([np.fft.fft(fr, axis=1)[:, :5] for fr in frames], 1)
case("stft_frame_length_no_window", "STFT", [("s", sig), ("step", np.array(4, np.int64)), ("", np.zeros(0, np.float32)),
                                             ("len", np.array(8, np.int64))], [("y", as_pairs(spec))], 17)


# --- RNN, GRU, LSTM: the spec's equations in numpy, for what the 1.12 suite leaves out (reverse,
# bidirectional with sequence_lens and initial states, clip, layout 1, named activations) ---
ACTS = {
    "Sigmoid": lambda v, a, b: 1 / (1 + np.exp(-v)), "Tanh": lambda v, a, b: np.tanh(v),
    "Relu": lambda v, a, b: np.maximum(v, 0), "LeakyRelu": lambda v, a, b: np.where(v >= 0, v, a * v),
    "HardSigmoid": lambda v, a, b: np.clip(a * v + b, 0, 1), "Softsign": lambda v, a, b: v / (1 + np.abs(v)),
    "ScaledTanh": lambda v, a, b: a * np.tanh(b * v), "Affine": lambda v, a, b: a * v + b,
}


def recurrent(cell, x, W, R, B, seq_lens, h0, c0, P, acts, clip, direction, lbr, layout):
    if layout:
        x = x.transpose(1, 0, 2)
        h0 = None if h0 is None else h0.transpose(1, 0, 2)
        c0 = None if c0 is None else c0.transpose(1, 0, 2)
    T, Bn, _ = x.shape
    nd, H = W.shape[0], R.shape[2]
    per = len(acts) // nd
    Y = np.zeros((T, nd, Bn, H))
    Yh, Yc = np.zeros((nd, Bn, H)), np.zeros((nd, Bn, H))
    for d in range(nd):
        f = [(lambda v, k=k: ACTS[acts[d * per + k][0]](v, *acts[d * per + k][1:])) for k in range(per)]
        cl = (lambda v: np.clip(v, -clip, clip)) if clip else (lambda v: v)
        Wb, Rb = (B[d, :W.shape[1]], B[d, W.shape[1]:]) if B is not None else (0, 0)
        rev = direction == "reverse" or d == 1
        for b in range(Bn):
            L = T if seq_lens is None else int(seq_lens[b])
            h = np.zeros(H) if h0 is None else h0[d, b].astype(np.float64)
            c = np.zeros(H) if c0 is None else c0[d, b].astype(np.float64)
            for s in range(L):
                t = L - 1 - s if rev else s
                xt = x[t, b].astype(np.float64)
                if cell == "RNN":
                    h = f[0](cl(W[d] @ xt + R[d] @ h + Wb + Rb))
                elif cell == "GRU":
                    gx = W[d] @ xt + Wb
                    z = f[0](cl(gx[:H] + R[d, :H] @ h + (Rb[:H] if B is not None else 0)))
                    r = f[0](cl(gx[H:2 * H] + R[d, H:2 * H] @ h + (Rb[H:2 * H] if B is not None else 0)))
                    rbh = Rb[2 * H:] if B is not None else 0
                    if lbr:
                        hh = f[1](cl(gx[2 * H:] + r * (R[d, 2 * H:] @ h + rbh)))
                    else:
                        hh = f[1](cl(gx[2 * H:] + R[d, 2 * H:] @ (r * h) + rbh))
                    h = (1 - z) * hh + z * h
                else:
                    g = W[d] @ xt + R[d] @ h + Wb + Rb
                    p = P[d] if P is not None else np.zeros(3 * H)
                    i = f[0](cl(g[:H] + p[:H] * c))
                    fg = f[0](cl(g[2 * H:3 * H] + p[2 * H:] * c))
                    c = fg * c + i * f[1](cl(g[3 * H:]))
                    o = f[0](cl(g[H:2 * H] + p[H:2 * H] * c))
                    h = o * f[2](c)
                Y[t, d, b] = h
            Yh[d, b], Yc[d, b] = h, c
    if layout:
        Y, Yh, Yc = Y.transpose(2, 0, 1, 3), Yh.transpose(1, 0, 2), Yc.transpose(1, 0, 2)
    return [a.astype(np.float32) for a in (Y, Yh, Yc)]


I_, H_, T_, B_ = 3, 4, 5, 2
x = f32(T_, B_, I_)
W, R, Bb = f32(2, 4 * H_, I_) * 0.5, f32(2, 4 * H_, H_) * 0.5, f32(2, 8 * H_) * 0.3
h0, c0, P, sl = f32(2, B_, H_), f32(2, B_, H_), f32(2, 3 * H_) * 0.5, np.array([5, 3], np.int32)
acts = [("Sigmoid", 0, 0), ("Tanh", 0, 0), ("Tanh", 0, 0)] * 2
Y, Yh, Yc = recurrent("LSTM", x, W, R, Bb, sl, h0, c0, P, acts, 0.8, "bidirectional", 0, 0)
case("lstm_bidirectional_seq_lens_states_peepholes_clip", "LSTM",
     [("x", x), ("w", W), ("r", R), ("b", Bb), ("sl", sl), ("h0", h0), ("c0", c0), ("p", P)],
     [("y", Y), ("yh", Yh), ("yc", Yc)], 14, hidden_size=H_, direction="bidirectional", clip=0.8)
xl = f32(B_, T_, I_)
W, R, Bb = f32(1, 3 * H_, I_) * 0.5, f32(1, 3 * H_, H_) * 0.5, f32(1, 6 * H_) * 0.3
acts = [("HardSigmoid", 0.3, 0.6), ("Softsign", 0, 0)]
Y, Yh, _ = recurrent("GRU", xl, W, R, Bb, None, None, None, None, acts, 0, "reverse", 0, 1)
case("gru_reverse_layout1_activations", "GRU", [("x", xl), ("w", W), ("r", R), ("b", Bb)], [("y", Y), ("yh", Yh)], 14,
     hidden_size=H_, direction="reverse", layout=1, activations=["HardSigmoid", "Softsign"], activation_alpha=[0.3],
     activation_beta=[0.6])
W, R, Bb = f32(2, H_, I_) * 0.5, f32(2, H_, H_) * 0.5, f32(2, 2 * H_) * 0.3
h0 = f32(2, B_, H_)
acts = [("Relu", 0, 0), ("LeakyRelu", 0.2, 0)]
Y, Yh, _ = recurrent("RNN", x, W, R, Bb, np.array([2, 5], np.int32), h0, None, None, acts, 0, "bidirectional", 0, 0)
case("rnn_bidirectional_activations_seq_lens", "RNN",
     [("x", x), ("w", W), ("r", R), ("b", Bb), ("sl", np.array([2, 5], np.int32)), ("h0", h0)], [("y", Y), ("yh", Yh)],
     14, hidden_size=H_, direction="bidirectional", activations=["Relu", "LeakyRelu"], activation_alpha=[0.2])


# --- quantization: per-axis QuantizeLinear / DequantizeLinear (int8), MatMulInteger with per-row /
# per-column zero points, QLinearMatMul with a per-column b scale (rint: halves to even) ---
x = (f32(2, 3, 4) * 3).astype(np.float32)
sc = np.array([0.02, 0.05, 0.1], np.float32)
zp = np.array([-3, 0, 5], np.int8)
q = np.clip(np.rint(x / sc[None, :, None]) + zp[None, :, None], -128, 127).astype(np.int8)
case("quantizelinear_per_axis_int8", "QuantizeLinear", [("x", x), ("s", sc), ("z", zp)], [("y", q)], 13, axis=1)
dq = ((q.astype(np.int32) - zp[None, :, None]).astype(np.float32) * sc[None, :, None]).astype(np.float32)
case("dequantizelinear_per_axis_int8", "DequantizeLinear", [("q", q), ("s", sc), ("z", zp)], [("y", dq)], 13, axis=1)
A = rng.integers(0, 255, (2, 3, 5)).astype(np.uint8)
Bq = rng.integers(-128, 127, (5, 4)).astype(np.int8)
azp, bzp = np.array([10, 128, 3], np.uint8), np.array([1, -2, 0, 7], np.int8)
C = np.matmul(A.astype(np.int32) - azp[:, None].astype(np.int32), Bq.astype(np.int32) - bzp.astype(np.int32))
case("matmulinteger_per_row_per_col_zero_points", "MatMulInteger", [("a", A), ("b", Bq), ("az", azp), ("bz", bzp)],
     [("y", C.astype(np.int32))], 10)
a_s, b_s, y_s = np.array(0.03, np.float32), np.array([0.01, 0.02, 0.04, 0.005], np.float32), np.array(0.2, np.float32)
a_z, b_z, y_z = np.array(4, np.uint8), np.array(0, np.int8), np.array(-10, np.int8)
C = np.matmul(A.astype(np.int32) - 4, Bq.astype(np.int32))
D = np.clip(np.rint(C * (a_s * b_s / y_s) + y_z), -128, 127).astype(np.int8)
case("qlinearmatmul_per_column_b_scale", "QLinearMatMul",
     [("a", A), ("as", a_s), ("az", a_z), ("b", Bq), ("bs", b_s), ("bz", b_z), ("ys", y_s), ("yz", y_z)], [("y", D)], 21)


# --- ConvInteger / QLinearConv beyond the suite's 1x1 and 3x3 cases: stride, pads, groups, zero points
# and scales per output channel, int8 x, an int32 bias ---
def conv2d_int(xi, wi, pads, strides, group):
    """Direct 2-D convolution of int32 arrays; the padding adds nothing (it reads x's zero point)."""
    n, c, h, w = xi.shape
    m, cg, kh, kw = wi.shape
    xp = np.zeros((n, c, h + pads[0] + pads[2], w + pads[1] + pads[3]), np.int64)
    xp[:, :, pads[0]:pads[0] + h, pads[1]:pads[1] + w] = xi
    oh = (xp.shape[2] - kh) // strides[0] + 1
    ow = (xp.shape[3] - kw) // strides[1] + 1
    y = np.zeros((n, m, oh, ow), np.int64)
    mg = m // group
    for o in range(m):
        g0 = (o // mg) * cg
        for i in range(oh):
            for j in range(ow):
                win = xp[:, g0:g0 + cg, i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw]
                y[:, o, i, j] = (win * wi[o]).sum(axis=(1, 2, 3))
    return y


X8 = rng.integers(0, 255, (1, 4, 7, 6)).astype(np.uint8)
W8 = rng.integers(-128, 127, (6, 2, 3, 3)).astype(np.int8)
xz8, wz8 = np.array(121, np.uint8), np.array([3, -1, 0, 5, -7, 2], np.int8)
acc = conv2d_int(X8.astype(np.int64) - 121, W8.astype(np.int64) - wz8[:, None, None, None], (1, 0, 2, 1), (2, 1), 2)
case("convinteger_stride_pads_groups_per_channel_w_zero_point", "ConvInteger",
     [("x", X8), ("w", W8), ("xz", xz8), ("wz", wz8)], [("y", acc.astype(np.int32))], 10,
     pads=[1, 0, 2, 1], strides=[2, 1], group=2)
Xs = rng.integers(-128, 127, (1, 3, 6, 6)).astype(np.int8)
Ws = rng.integers(-128, 127, (4, 3, 3, 3)).astype(np.int8)
x_s, x_z = np.array(0.05, np.float32), np.array(-4, np.int8)
w_s, w_z = np.array([0.01, 0.003, 0.02, 0.007], np.float32), np.array([0, 2, -3, 1], np.int8)
y_s, y_z = np.array(0.5, np.float32), np.array(7, np.int8)
bias = np.array([100, -2000, 35, 0], np.int32)
acc = conv2d_int(Xs.astype(np.int64) + 4, Ws.astype(np.int64) - w_z[:, None, None, None], (1, 1, 1, 1), (1, 1), 1)
acc = acc + bias[None, :, None, None]
fact = (x_s * w_s / y_s).astype(np.float32)  # the reference's factor, float32, then the sum in double
Yq = np.clip(np.rint(acc.astype(np.float64) * fact[None, :, None, None].astype(np.float64) + float(y_z)), -128, 127)
case("qlinearconv_int8_per_channel_bias_pads", "QLinearConv",
     [("x", Xs), ("xs", x_s), ("xz", x_z), ("w", Ws), ("ws", w_s), ("wz", w_z), ("ys", y_s), ("yz", y_z), ("b", bias)],
     [("y", Yq.astype(np.int8))], 10, pads=[1, 1, 1, 1])


# --- float16 through a mixed-precision graph, as exports carry it: a float16 input and float16
# weights, each Cast to float32, MatMul + Add + Relu in float32, the result Cast to float16.  The
# weights' Cast folds at generation time; numpy rounds to float16 to nearest even, as the spec's
# later text and onnxruntime do ---
def graph_case(name, nodes, inputs, outputs, inits, opset):
    """Like case(), for several nodes and initializers (name, array)."""
    def vi(n, a):
        return helper.make_tensor_value_info(n, onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype(a.dtype)], a.shape)

    graph = helper.make_graph(nodes, name, [vi(n, a) for n, a in inputs], [vi(n, a) for n, a in outputs],
                              [numpy_helper.from_array(a, n) for n, a in inits])
    model = helper.make_model(graph, opset_imports=[helper.make_operatorsetid("", opset)])
    d = os.path.join(OUT, "test_" + name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    for kind, items in (("input", inputs), ("output", outputs)):
        for i, (n, a) in enumerate(items):
            with open(os.path.join(d, "test_data_set_0", f"{kind}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(np.asarray(a), n).SerializeToString())


Xh = (f32(2, 8) * 2).astype(np.float16)
Wh = (f32(8, 5) * 0.5).astype(np.float16)
Bf = f32(5)
Yh = np.maximum(Xh.astype(np.float32) @ Wh.astype(np.float32) + Bf, 0).astype(np.float16)
graph_case("float16_mixed_precision_matmul",
           [helper.make_node("Cast", ["x"], ["xf"], to=1), helper.make_node("Cast", ["w"], ["wf"], to=1),
            helper.make_node("MatMul", ["xf", "wf"], ["m"]), helper.make_node("Add", ["m", "b"], ["a"]),
            helper.make_node("Relu", ["a"], ["r"]), helper.make_node("Cast", ["r"], ["y"], to=10)],
           [("x", Xh)], [("y", Yh)], [("w", Wh), ("b", Bf)], 13)
