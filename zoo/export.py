# The model zoo: torchvision families and hand-made models in the shapes users bring,
# exported with random weights (fixed seeds) and torch's outputs as the expected values.
#
#   /usr/bin/python3 zoo/export.py OUT_DIR [name ...]
#
# Writes OUT_DIR/<name>/model.onnx, test_data_set_0/{input_K.pb,output_K.pb} (the ONNX test
# layout aitune-gen reads), input_K.bin / output_K.bin (raw little-endian, for the harnesses)
# and meta.json (opset, shapes, dtypes, op counts).  A model that fails to export is listed in
# OUT_DIR/export_failures.txt with torch's reason, and the others go on.
import collections, json, os, sys, time, traceback

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import onnx
from onnx import numpy_helper

tv = torchvision.models


class Audio1d(nn.Module):
    """A keyword-spotting style 1-D CNN over a raw waveform."""
    def __init__(s):
        super().__init__()
        s.f = nn.Sequential(
            nn.Conv1d(1, 16, 9, stride=4, padding=4), nn.BatchNorm1d(16), nn.ReLU(),
            nn.Conv1d(16, 32, 5, stride=2, padding=2, groups=2), nn.BatchNorm1d(32), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(32, 32, 3, padding=2, dilation=2), nn.ReLU(), nn.AdaptiveAvgPool1d(1))
        s.head = nn.Linear(32, 12)
    def forward(s, x):
        return s.head(s.f(x).flatten(1))


class TinyUNet(nn.Module):
    """Encoder-decoder with a ConvTranspose up-step, a bilinear up-step and skip concats."""
    def __init__(s):
        super().__init__()
        def blk(i, o): return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU())
        s.e1, s.e2, s.e3 = blk(3, 8), blk(8, 16), blk(16, 32)
        s.up2 = nn.ConvTranspose2d(32, 16, 2, stride=2)
        s.d2 = blk(32, 16)
        s.d1 = blk(24, 8)
        s.out = nn.Conv2d(8, 2, 1)
    def forward(s, x):
        a = s.e1(x)
        b = s.e2(F.max_pool2d(a, 2))
        c = s.e3(F.max_pool2d(b, 2))
        u = s.d2(torch.cat([s.up2(c), b], 1))
        u = F.interpolate(u, scale_factor=2.0, mode="bilinear", align_corners=False)
        return s.out(s.d1(torch.cat([u, a], 1)))


class TinyBert(nn.Module):
    """BERT-style encoder: int64 token ids, embeddings, two post-norm layers, a pooled head."""
    def __init__(s, vocab=100, d=64, seq=16):
        super().__init__()
        s.tok = nn.Embedding(vocab, d)
        s.pos = nn.Parameter(torch.randn(1, seq, d) * 0.1)
        s.norm = nn.LayerNorm(d)
        layer = nn.TransformerEncoderLayer(d_model=d, nhead=4, dim_feedforward=128, activation="gelu",
                                           batch_first=True)
        s.enc = nn.TransformerEncoder(layer, num_layers=2)
        s.head = nn.Linear(d, 3)
    def forward(s, ids):
        h = s.enc(s.norm(s.tok(ids) + s.pos))
        return s.head(torch.tanh(h[:, 0]))


class SeqGru(nn.Module):
    """A 2-layer bidirectional GRU over [batch, time, features] with a head on the last step."""
    def __init__(s):
        super().__init__()
        s.rnn = nn.GRU(16, 32, num_layers=2, batch_first=True, bidirectional=True)
        s.head = nn.Linear(64, 5)
    def forward(s, x):
        y, h = s.rnn(x)
        return torch.cat([s.head(y[:, -1]).flatten(), h.flatten()])  # one output: the harness compares one


class SeqLstm(nn.Module):
    """A 2-layer LSTM over [time, batch, features] (torch's default layout) with a projection."""
    def __init__(s):
        super().__init__()
        s.rnn = nn.LSTM(12, 24, num_layers=2, proj_size=0)
        s.head = nn.Linear(24, 4)
    def forward(s, x):
        y, (h, c) = s.rnn(x)
        return torch.cat([s.head(y).flatten(), c.flatten()])


class SeqRnn(nn.Module):
    """An Elman RNN (ReLU) over [batch, time, features]."""
    def __init__(s):
        super().__init__()
        s.rnn = nn.RNN(8, 16, nonlinearity="relu", batch_first=True)
    def forward(s, x):
        return s.rnn(x)[0]


class OpsMix(nn.Module):
    """Ops that real exports use beyond the CNN staples: Mish, ELU, SELU, Softplus, PReLU,
    GroupNorm, pixel (un)shuffle, grid_sample, einsum, cumsum, topk, argmax, fmod, roll."""
    def __init__(s):
        super().__init__()
        s.conv = nn.Conv2d(8, 16, 3, padding=1)
        s.gn = nn.GroupNorm(4, 16)
        s.prelu = nn.PReLU(16)
        s.inorm = nn.InstanceNorm2d(4, affine=True)
        s.lin = nn.Linear(12, 12)
        theta = torch.tensor([[[0.9, 0.1, 0.05], [-0.1, 0.8, 0.0]]])  # affine_grid does not export: a constant
        s.register_buffer("grid", F.affine_grid(theta, [1, 16, 10, 11], align_corners=False))
    def forward(s, x):
        h = s.prelu(s.gn(s.conv(x)))
        h = F.mish(h) + F.elu(h) - F.selu(h) * 0.5 + F.softplus(h)
        h = F.pixel_shuffle(h, 2)                       # [1, 4, 24, 24]
        h = s.inorm(h)
        h = F.pixel_unshuffle(h, 2)                     # [1, 16, 12, 12]
        h = F.grid_sample(h, s.grid, mode="bilinear", padding_mode="border", align_corners=False)
        e = torch.einsum("bchw,bdhw->bcd", h, h) / 100.0   # [1, 16, 16]
        c = torch.cumsum(e, dim=2)
        v, i = torch.topk(c.flatten(1), 5)
        r = torch.roll(s.lin(x[:, 0, 0]), 3, dims=1)
        return torch.cat([torch.fmod(v, 3.0).flatten(), i.float().flatten(), torch.argmax(e, dim=1).float().flatten(),
                          r.flatten()])


def seg(ctor):
    class Seg(nn.Module):
        def __init__(s):
            super().__init__()
            s.m = ctor()
        def forward(s, x):
            return s.m(x)["out"]
    return Seg


def small_vit():
    return tv.VisionTransformer(image_size=64, patch_size=8, num_layers=2, num_heads=4, hidden_dim=64, mlp_dim=128,
                                num_classes=10)


IMG = (1, 3, 224, 224)
SPECS = [  # name, constructor, input shape, opset; an int64 input is marked by a dtype
    ("resnet18", lambda: tv.resnet18(), IMG, 13),
    ("resnet50", lambda: tv.resnet50(), IMG, 13),
    ("resnext50_32x4d", lambda: tv.resnext50_32x4d(), IMG, 13),
    ("wide_resnet50_2", lambda: tv.wide_resnet50_2(), IMG, 13),
    ("regnet_x_400mf", lambda: tv.regnet_x_400mf(), IMG, 13),
    ("regnet_y_400mf", lambda: tv.regnet_y_400mf(), IMG, 13),
    ("densenet121", lambda: tv.densenet121(), IMG, 13),
    ("googlenet", lambda: tv.googlenet(aux_logits=False, init_weights=True), IMG, 13),
    ("inception_v3", lambda: tv.inception_v3(aux_logits=False, init_weights=True), (1, 3, 299, 299), 13),
    ("mnasnet0_5", lambda: tv.mnasnet0_5(), IMG, 13),
    ("mobilenet_v2", lambda: tv.mobilenet_v2(), IMG, 13),
    ("mobilenet_v3_small", lambda: tv.mobilenet_v3_small(), IMG, 13),
    ("mobilenet_v3_large", lambda: tv.mobilenet_v3_large(), IMG, 13),
    ("shufflenet_v2_x1_0", lambda: tv.shufflenet_v2_x1_0(), IMG, 13),
    ("squeezenet1_1", lambda: tv.squeezenet1_1(), IMG, 13),
    ("efficientnet_b0", lambda: tv.efficientnet_b0(), IMG, 13),
    ("efficientnet_v2_s", lambda: tv.efficientnet_v2_s(), IMG, 13),
    ("convnext_tiny", lambda: tv.convnext_tiny(), IMG, 17),
    ("vit_small", small_vit, (1, 3, 64, 64), 17),
    ("swin_t", lambda: tv.swin_t(), IMG, 17),
    ("fcn_resnet50", seg(lambda: tv.segmentation.fcn_resnet50(weights_backbone=None, aux_loss=False)),
     (1, 3, 160, 160), 13),
    ("deeplabv3_mobilenet_v3_large",
     seg(lambda: tv.segmentation.deeplabv3_mobilenet_v3_large(weights_backbone=None, aux_loss=False)),
     (1, 3, 160, 160), 13),
    ("lraspp_mobilenet_v3_large", seg(lambda: tv.segmentation.lraspp_mobilenet_v3_large(weights_backbone=None)),
     (1, 3, 160, 160), 13),
    ("audio1d", Audio1d, (1, 1, 16000), 13),
    ("tiny_unet", TinyUNet, (1, 3, 64, 64), 13),
    ("tiny_bert", TinyBert, ("int64", 1, 16), 17),
    ("gru_bidir", SeqGru, (1, 20, 16), 14),
    ("lstm_2layer", SeqLstm, (15, 1, 12), 14),
    ("rnn_relu", SeqRnn, (1, 10, 8), 14),
    ("ops_mix", OpsMix, (1, 8, 12, 12), 17),
]


def calibrate_bn(m, shape):
    # torchvision's random init with default BN stats makes activations vanish in deep nets:
    # recompute the running stats from random data so outputs are O(1), as in a trained net
    bns = [x for x in m.modules() if isinstance(x, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
    m.train()
    with torch.no_grad():
        for _ in range(2):
            m(torch.randn(4, *shape[1:]))


def export(name, ctor, shape, opset, out):
    torch.manual_seed(0)
    m = ctor()
    heads = getattr(m, "heads", None)  # torchvision's ViT zero-initializes its head: outputs would be all 0
    if heads is not None:
        for p in heads.parameters():
            nn.init.normal_(p, std=0.2)
    if shape[0] == "int64":
        shape = shape[1:]
        x = torch.randint(0, 100, shape, dtype=torch.int64)
    else:
        calibrate_bn(m, shape)
        x = torch.randn(*shape)
    m.eval()
    d = os.path.join(out, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    path = os.path.join(d, "model.onnx")
    t0 = time.time()
    torch.onnx.export(m, (x,), path, opset_version=opset, input_names=["input"], output_names=["output"],
                      do_constant_folding=True)
    with torch.no_grad():
        y = m(x).numpy()
    td = os.path.join(d, "test_data_set_0")
    open(os.path.join(td, "input_0.pb"), "wb").write(numpy_helper.from_array(x.numpy(), "input").SerializeToString())
    open(os.path.join(td, "output_0.pb"), "wb").write(numpy_helper.from_array(y, "output").SerializeToString())
    x.numpy().tofile(os.path.join(d, "input_0.bin"))
    y.astype(np.float32).tofile(os.path.join(d, "output_0.bin"))
    mp = onnx.load(path)
    meta = dict(name=name, opset=opset, export_s=round(time.time() - t0, 1),
                inputs=[dict(dtype=str(x.numpy().dtype), shape=list(x.shape))],
                outputs=[dict(dtype="float32", shape=list(y.shape))],
                nodes=len(mp.graph.node), params=int(sum(int(np.prod(t.dims)) for t in mp.graph.initializer)),
                ops=dict(sorted(collections.Counter(n.op_type for n in mp.graph.node).items())),
                out_absmax=float(np.abs(y).max()))
    json.dump(meta, open(os.path.join(d, "meta.json"), "w"), indent=1)
    return meta


def main():
    out = sys.argv[1]
    only = set(sys.argv[2:])
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    failures = []
    for name, ctor, shape, opset in SPECS:
        if only and name not in only:
            continue
        if os.path.exists(os.path.join(out, name, "meta.json")):
            print(f"[{name}] exported already")
            continue
        try:
            meta = export(name, ctor, shape, opset, out)
            print(f"[{name}] {meta['nodes']} nodes, {meta['params']} params, {meta['export_s']} s", flush=True)
        except Exception as e:  # one family's export failure does not stop the zoo
            failures.append(f"{name}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
            print(f"[{name}] EXPORT FAILED: {failures[-1]}", flush=True)
            traceback.print_exc(limit=2)
    with open(os.path.join(out, "export_failures.txt"), "w") as f:
        f.write("".join(line + "\n" for line in failures))


if __name__ == "__main__":
    main()
