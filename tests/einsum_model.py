#!/usr/bin/python3
"""Einsum products with a constant matrix, as exports write a Linear, for the Einsum-as-MatMul
pass: x [2, 5, 8] -> Einsum("bij,kj->bik", W1 [6, 8]) -> Relu -> Einsum("bik,kl->bil", W2 [6, 16])
-> y [2, 5, 16]. Writes OUT/einsum.onnx, OUT/einsum_testdata/test_data_set_0/{input,output}_0.pb,
and the raw OUT/x.f32 and OUT/expected.f32 for tests/run_emitted.c. Expected values are numpy's.

    einsum_model.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

out = sys.argv[1]
rng = np.random.default_rng(11)
x = rng.standard_normal((2, 5, 8)).astype(np.float32)
w1 = rng.standard_normal((6, 8)).astype(np.float32)
w2 = rng.standard_normal((6, 16)).astype(np.float32)
y = np.einsum("bik,kl->bil", np.maximum(np.einsum("bij,kj->bik", x.astype(np.float64), w1), 0), w2).astype(np.float32)

nodes = [helper.make_node("Einsum", ["x", "w1"], ["h"], equation="bij,kj->bik"),
         helper.make_node("Relu", ["h"], ["r"]),
         helper.make_node("Einsum", ["r", "w2"], ["y"], equation="bik, kl -> bil")]
graph = helper.make_graph(nodes, "einsum", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 5, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 5, 16])],
                          [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")])
model = helper.make_model(graph, opset_imports=[helper.make_operatorsetid("", 17)])
d = os.path.join(out, "einsum_testdata", "test_data_set_0")
os.makedirs(d, exist_ok=True)
onnx.save(model, os.path.join(out, "einsum.onnx"))
open(os.path.join(d, "input_0.pb"), "wb").write(numpy_helper.from_array(x, "x").SerializeToString())
open(os.path.join(d, "output_0.pb"), "wb").write(numpy_helper.from_array(y, "y").SerializeToString())
x.tofile(os.path.join(out, "x.f32"))
y.tofile(os.path.join(out, "expected.f32"))
