#!/usr/bin/python3
"""A small BERT-style encoder with a symbolic sequence axis, exported by torch, for the
dynamic-axes tests: token ids [1, seq] -> token + position embeddings -> 2 encoder blocks
(multi-head self-attention with the heads split by a Reshape of x.shape, as transformers export
it; LayerNorm; GELU feed-forward) -> hidden states [1, seq, 32] and their mean over the tokens
[1, 32].

Writes into OUT (tests/data/encoder_dyn is this script's output, kept in git so that make check
needs no torch):
  encoder.onnx                    the model, input 'ids' [1, 'seq'], opset 17
  samples/test_data_set_{0,1}/    the tuning samples: lengths 5 and 9, with torch's outputs
  lengths/len<L>.in0.bin, len<L>.out0.f32, len<L>.out1.f32
                                  inputs and torch's outputs at lengths the tuner never sees

    export_encoder.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

VOCAB, D, HEADS, FFN, MAX_POS = 50, 32, 4, 64, 32
SAMPLE_LENGTHS = (5, 9)
CHECK_LENGTHS = (1, 2, 3, 7, 12, 16)


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = torch.nn.Linear(D, 3 * D)
        self.proj = torch.nn.Linear(D, D)
        self.ln1 = torch.nn.LayerNorm(D)
        self.ln2 = torch.nn.LayerNorm(D)
        self.ff1 = torch.nn.Linear(D, FFN)
        self.ff2 = torch.nn.Linear(FFN, D)

    def forward(self, x):
        b, s, _ = x.shape
        q, k, v = self.qkv(x).split(D, dim=-1)
        heads = [t.reshape(b, s, HEADS, D // HEADS).transpose(1, 2) for t in (q, k, v)]
        att = torch.softmax(heads[0] @ heads[1].transpose(-2, -1) / (D // HEADS) ** 0.5, dim=-1)
        y = (att @ heads[2]).transpose(1, 2).reshape(b, s, D)
        x = self.ln1(x + self.proj(y))
        return self.ln2(x + self.ff2(torch.nn.functional.gelu(self.ff1(x))))


class Encoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = torch.nn.Embedding(VOCAB, D)
        self.pos = torch.nn.Embedding(MAX_POS, D)
        self.blocks = torch.nn.Sequential(Block(), Block())

    def forward(self, ids):
        pos = torch.arange(ids.shape[1]).unsqueeze(0)
        h = self.blocks(self.tok(ids) + self.pos(pos))
        return h, h.mean(dim=1)


def write_pb(path, array, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


def main():
    out = sys.argv[1]
    torch.manual_seed(3)
    model = Encoder().eval()
    rng = np.random.default_rng(5)
    os.makedirs(os.path.join(out, "lengths"), exist_ok=True)
    path = os.path.join(out, "encoder.onnx")
    example = torch.zeros((1, 5), dtype=torch.int64)
    torch.onnx.export(model, (example,), path, input_names=["ids"], output_names=["hidden", "pooled"],
                      dynamic_axes={"ids": {1: "seq"}, "hidden": {1: "seq"}}, opset_version=17)
    onnx.checker.check_model(onnx.load(path))

    def run(length):
        ids = rng.integers(0, VOCAB, (1, length)).astype(np.int64)
        with torch.no_grad():
            hidden, pooled = model(torch.from_numpy(ids))
        return ids, hidden.numpy().astype(np.float32), pooled.numpy().astype(np.float32)

    for i, length in enumerate(SAMPLE_LENGTHS):
        d = os.path.join(out, "samples", "test_data_set_%d" % i)
        os.makedirs(d, exist_ok=True)
        ids, hidden, pooled = run(length)
        write_pb(os.path.join(d, "input_0.pb"), ids, "ids")
        write_pb(os.path.join(d, "output_0.pb"), hidden, "hidden")
        write_pb(os.path.join(d, "output_1.pb"), pooled, "pooled")
    for length in CHECK_LENGTHS:
        ids, hidden, pooled = run(length)
        base = os.path.join(out, "lengths", "len%d" % length)
        ids.tofile(base + ".in0.bin")
        hidden.tofile(base + ".out0.f32")
        pooled.tofile(base + ".out1.f32")


if __name__ == "__main__":
    main()
