"""tests/data/qdq_cnn: a small CNN quantized by torch 1.13's eager-mode post-training static
quantization (fbgemm: per-channel int8 weights, uint8 activations), exported at opset 13 to the
QDQ form (QuantizeLinear / DequantizeLinear around float Conv and Gemm), with one input and
torch's quantized output.  ort.f32 is onnxruntime's output for the same input (written by
bench's onnxruntime-node; see the README, "Quantized models in").
Run: /usr/bin/python3 tests/export_qdq.py tests/data/qdq_cnn"""
import os
import sys

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = torch.ao.quantization.QuantStub()
        self.dq = torch.ao.quantization.DeQuantStub()
        self.c1 = nn.Conv2d(1, 8, 3, padding=1)
        self.r = nn.ReLU()
        self.c2 = nn.Conv2d(8, 8, 3, stride=2)
        self.fc = nn.Linear(8 * 13 * 13, 10)

    def forward(self, x):
        x = self.r(self.c1(self.q(x)))
        x = torch.flatten(self.c2(x), 1)
        return self.dq(self.fc(x))


def main(out):
    torch.manual_seed(0)
    m = Net().eval()
    m.qconfig = torch.ao.quantization.get_default_qconfig("fbgemm")
    torch.ao.quantization.fuse_modules(m, [["c1", "r"]], inplace=True)
    p = torch.ao.quantization.prepare(m)
    for _ in range(8):  # calibration
        p(torch.randn(1, 1, 28, 28))
    q = torch.ao.quantization.convert(p)
    x = torch.randn(1, 1, 28, 28)
    y = q(x)
    os.makedirs(out, exist_ok=True)
    torch.onnx.export(q, x, os.path.join(out, "model.onnx"), opset_version=13)
    x.numpy().astype("float32").tofile(os.path.join(out, "input.f32"))
    y.detach().numpy().astype("float32").tofile(os.path.join(out, "torch.f32"))


if __name__ == "__main__":
    main(sys.argv[1])
