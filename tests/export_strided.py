#!/usr/bin/python3
"""Two convolutional models whose strided Convs and pools run over dynamic axes, exported by
torch, for the dynamic-axes tests: their extents are floors of the axes' values (a stride-2
convolution's output is (L + 1) / 2), which gen/dynamic.c fits as forms of floors.

  conv1d_dyn/   x [1, 4, 'time'] -> Conv1d(k3, s2, p1), ReLU, MaxPool1d(2, ceil_mode),
                Conv1d(k5, s3), Upsample x2 (nearest) -> y [1, 8, time'], and its mean [1, 8]
  conv2d_dyn/   x [1, 3, 'h', 'w'] -> Conv2d(k3, s2, p1), ReLU, AvgPool2d(3, s2, ceil_mode),
                Conv2d 1x1 -> y [1, 8, h', w'], and its global average [1, 8]

Each OUT/<model>/ holds model.onnx (opset 17), samples/test_data_set_{0,1}/ (two sizes, with
torch's outputs) and lengths/len<L>.{in0.bin,out0.f32,out1.f32} (len<H>x<W> for two axes) at
sizes the tuner never sees.  tests/data/{conv1d_dyn,conv2d_dyn} are this script's output, kept in
git so that make check needs no torch.

    export_strided.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper


class Conv1d(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv1d(4, 8, 3, stride=2, padding=1)
        self.pool = torch.nn.MaxPool1d(2, ceil_mode=True)
        self.c2 = torch.nn.Conv1d(8, 8, 5, stride=3)

    def forward(self, x):
        y = torch.nn.functional.interpolate(self.c2(self.pool(torch.relu(self.c1(x)))), scale_factor=2.0,
                                            mode="nearest")
        return y, y.mean(dim=2)


class Conv2d(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.pool = torch.nn.AvgPool2d(3, stride=2, ceil_mode=True)
        self.c2 = torch.nn.Conv2d(8, 8, 1)

    def forward(self, x):
        y = self.c2(self.pool(torch.relu(self.c1(x))))
        return y, y.mean(dim=(2, 3))


def write_pb(path, array, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


def export(out, model, shape_of, axes, samples, checks):
    os.makedirs(os.path.join(out, "lengths"), exist_ok=True)
    path = os.path.join(out, "model.onnx")
    torch.onnx.export(model, (torch.zeros(shape_of(samples[0])),), path, input_names=["x"],
                      output_names=["y", "pooled"], dynamic_axes={"x": axes}, opset_version=17)
    onnx.checker.check_model(onnx.load(path))
    rng = np.random.default_rng(7)

    def run(size):
        x = rng.standard_normal(shape_of(size)).astype(np.float32)
        with torch.no_grad():
            y, pooled = model(torch.from_numpy(x))
        return x, y.numpy().astype(np.float32), pooled.numpy().astype(np.float32)

    for i, size in enumerate(samples):
        d = os.path.join(out, "samples", "test_data_set_%d" % i)
        os.makedirs(d, exist_ok=True)
        x, y, pooled = run(size)
        write_pb(os.path.join(d, "input_0.pb"), x, "x")
        write_pb(os.path.join(d, "output_0.pb"), y, "y")
        write_pb(os.path.join(d, "output_1.pb"), pooled, "pooled")
    for size in checks:
        x, y, pooled = run(size)
        base = os.path.join(out, "lengths", "len" + "x".join(str(s) for s in size))
        x.tofile(base + ".in0.bin")
        y.tofile(base + ".out0.f32")
        pooled.tofile(base + ".out1.f32")


def main():
    out = sys.argv[1]
    torch.manual_seed(11)
    export(os.path.join(out, "conv1d_dyn"), Conv1d().eval(), lambda s: (1, 4, s[0]), {2: "time"},
           [(40,), (57,)], [(24,), (25,), (29,), (30,), (31,), (36,), (45,), (61,), (64,)])
    export(os.path.join(out, "conv2d_dyn"), Conv2d().eval(), lambda s: (1, 3, s[0], s[1]), {2: "h", 3: "w"},
           [(12, 20), (17, 9)], [(5, 5), (5, 24), (6, 11), (9, 14), (13, 7), (20, 18), (23, 24), (24, 24)])


if __name__ == "__main__":
    main()
