#!/usr/bin/python3
"""A node test case with its weights as initializers, as an exported model has them (the suite
feeds W, R, B as inputs; the simd and tiled backends pack constant weights only): every input
but the first becomes an initializer from test_data_set_0. Output 0 alone is kept. Writes OUT/model.onnx,
OUT/testdata/test_data_set_0/{input_0,output_0}.pb, and the raw OUT/x.f32 and OUT/expected.f32
(output 0) for tests/run_emitted.c.

    freeze_weights.py CASE_DIR OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

case, out = sys.argv[1], sys.argv[2]
model = onnx.load(os.path.join(case, "model.onnx"))
data = os.path.join(case, "test_data_set_0")


def load(name):
    t = onnx.TensorProto()
    with open(os.path.join(data, name), "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


g = model.graph
inputs = list(g.input)
for i, vi in enumerate(inputs[1:], start=1):
    g.initializer.append(numpy_helper.from_array(load("input_%d.pb" % i), vi.name))
    g.input.remove(vi)
while len(g.output) > 1:  # output 0 only: tests/run_emitted.c runs one
    g.output.remove(g.output[-1])
d = os.path.join(out, "testdata", "test_data_set_0")
os.makedirs(d, exist_ok=True)
onnx.save(model, os.path.join(out, "model.onnx"))
x, y = load("input_0.pb"), load("output_0.pb")
open(os.path.join(d, "input_0.pb"), "wb").write(numpy_helper.from_array(x, inputs[0].name).SerializeToString())
for k in range(len(g.output)):
    if os.path.exists(os.path.join(data, "output_%d.pb" % k)):
        arr = load("output_%d.pb" % k)
        open(os.path.join(d, "output_%d.pb" % k), "wb").write(numpy_helper.from_array(arr, g.output[k].name).SerializeToString())
x.astype(np.float32).tofile(os.path.join(out, "x.f32"))
y.astype(np.float32).tofile(os.path.join(out, "expected.f32"))
