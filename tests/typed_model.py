#!/usr/bin/python3
"""A model with an int64 input (token ids), for the end-to-end tests of typed inputs:
ids [1, 12] -> Gather(embedding [50, 16]) -> LayerNormalization -> ReduceMean over tokens ->
MatMul [16, 5]. Writes OUT/typed.onnx, OUT/typed_testdata/test_data_set_0/{input,output}_0.pb,
and the raw OUT/ids.i64 and OUT/expected.f32 for tests/run_emitted.c. Expected values are numpy's.

    typed_model.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

out = sys.argv[1]
rng = np.random.default_rng(7)
emb = rng.standard_normal((50, 16)).astype(np.float32)
scale, bias = rng.standard_normal(16).astype(np.float32), rng.standard_normal(16).astype(np.float32)
w = rng.standard_normal((16, 5)).astype(np.float32)
ids = rng.integers(-50, 50, (1, 12)).astype(np.int64)  # negative ids count from the end, as Gather's spec says

h = emb[np.where(ids < 0, ids + 50, ids)].astype(np.float64)
h = (h - h.mean(-1, keepdims=True)) / np.sqrt(h.var(-1, keepdims=True) + 1e-5) * scale + bias
y = (h.mean(axis=1) @ w).astype(np.float32)

nodes = [helper.make_node("Gather", ["emb", "ids"], ["e"]),
         helper.make_node("LayerNormalization", ["e", "s", "b"], ["n"], axis=-1),
         helper.make_node("ReduceMean", ["n"], ["m"], axes=[1], keepdims=0),
         helper.make_node("MatMul", ["m", "w"], ["y"])]
graph = helper.make_graph(nodes, "typed", [helper.make_tensor_value_info("ids", TensorProto.INT64, [1, 12])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])],
                          [numpy_helper.from_array(a, n) for a, n in ((emb, "emb"), (scale, "s"), (bias, "b"), (w, "w"))])
model = helper.make_model(graph, opset_imports=[helper.make_operatorsetid("", 17)])
d = os.path.join(out, "typed_testdata", "test_data_set_0")
os.makedirs(d, exist_ok=True)
onnx.save(model, os.path.join(out, "typed.onnx"))
open(os.path.join(d, "input_0.pb"), "wb").write(numpy_helper.from_array(ids, "ids").SerializeToString())
open(os.path.join(d, "output_0.pb"), "wb").write(numpy_helper.from_array(y, "y").SerializeToString())
ids.tofile(os.path.join(out, "ids.i64"))
y.tofile(os.path.join(out, "expected.f32"))
