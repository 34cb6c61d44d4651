#!/usr/bin/python3
"""A linear Resize (x2, half_pixel) over a dynamic time axis: its taps are tables whose length
and contents change with the axis, so no generic code serves a range, and gen/dynamic.c serves
a small one with code per value and refuses a wide one by name.  Writes OUT/resize.onnx
(x [1, 2, 'time'] -> y [1, 2, 2 time]) and OUT/samples/test_data_set_{0,1} at lengths 5 and 9.

    linear_resize_model.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

out = sys.argv[1]
rng = np.random.default_rng(3)
scales = numpy_helper.from_array(np.array([1, 1, 2], dtype=np.float32), "scales")
node = helper.make_node("Resize", ["x", "", "scales"], ["y"], mode="linear",
                        coordinate_transformation_mode="half_pixel")
graph = helper.make_graph([node], "resize", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, "time"])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, "time2"])], [scales])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.checker.check_model(model)
os.makedirs(out, exist_ok=True)
onnx.save(model, os.path.join(out, "resize.onnx"))
for i, length in enumerate((5, 9)):
    d = os.path.join(out, "samples", "test_data_set_%d" % i)
    os.makedirs(d, exist_ok=True)
    x = rng.standard_normal((1, 2, length)).astype(np.float32)
    with open(os.path.join(d, "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x, "x").SerializeToString())
