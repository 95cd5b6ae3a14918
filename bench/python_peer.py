#!/usr/bin/python3
"""The networks hwnas builds from an arch string, written in PyTorch, and
timed exactly as bench/python_peer.cpp times hwnas's own: the Python side of
bench/python_peer.sh (docs/benchmarks/python_peer.md).

  /usr/bin/python3 bench/python_peer.py --space hsconas --arch TEXT [--mobilenetv2]
      [--threads N] [--batch 256] [--steps 6] [--warmup 2]
      [--infer-warmup 20] [--repeats 150] [--name NAME]
      [--expect-params P] [--expect-macs M] [--check DIR]

Debian's python3-torch runs on the same libtorch1.13 shared library as
hwnas, so the kernels are the same and the difference is the language
around them. The structure follows src/core/spaces/hsconas.cpp,
src/core/spaces/chain.cpp (mobilenetv2_space), src/nn/blocks.cpp and
src/nn/network.cpp; module and parameter names are hwnas's, so --check can
load the weights peer_bench --dump wrote and compare the logits.

Prints one JSON line on stdout (the same fields as peer_bench); errors go to
stderr with exit status 1, a structural mismatch among them.
"""
import argparse
import json
import math
import os
import re
import statistics
import sys
import time

import torch
import torch.nn as nn

# Fashion-MNIST's normalisation, (x / 255 - mean) / std as BatchLoader
# applies it, fixed on both sides so the step normalises the same numbers.
MEAN = 0.2860
STD = 0.3530
NUM_CLASSES = 10


class PeerError(Exception):
    pass


# ---------------------------------------------------------------------------
# The space: the default `hsconas` (layout small) and its MobileNetV2 baseline.

class Op:
    def __init__(self, name, kind, kernel=0, expand=0, scalable=True, reshapes=True, shuffle_out=False):
        self.name, self.kind, self.kernel, self.expand = name, kind, kernel, expand
        self.scalable, self.reshapes, self.shuffle_out = scalable, reshapes, shuffle_out


def hsconas_op(name):
    if name in ("k3", "k5", "k7"):
        return Op(name, "shuffle", kernel=int(name[1]))
    if name == "x":
        return Op(name, "shufflex", kernel=3)
    if name == "skip":
        return Op(name, "skip", scalable=False, reshapes=False)
    m = re.fullmatch(r"mb([357])e([36])", name)
    if m:
        return Op(name, "mb", kernel=int(m.group(1)), expand=int(m.group(2)))
    raise PeerError("hsconas: unknown op '%s'" % name)


class Layer:
    def __init__(self, cin, cout, stride, in_h):
        self.cin, self.cout, self.stride, self.in_h = cin, cout, stride, in_h


class Space:
    """hsconas layout=small (src/core/spaces/hsconas.cpp): 28x28 grey images,
    stem 3x3 s2 -> 16, stages of 4/4/8/4 layers with 32/64/128/256 channels
    at strides 1/2/2/2, head 1x1 -> 512, 10 classes; width factors 0.1..1.0."""

    def __init__(self, spec, mobilenetv2):
        name, _, opts = spec.partition(":")
        if name != "hsconas":
            raise PeerError("space '%s': only hsconas[:ops=a/b/...] is written in Python" % spec)
        ops = "k3/k5/k7/x/skip"
        for kv in filter(None, opts.split(",")):
            key, _, value = kv.partition("=")
            if key != "ops":
                raise PeerError("space '%s': option '%s' is not written in Python (only ops=)" % (spec, key))
            ops = value
        self.in_channels, self.in_size = 1, 28
        self.stem_channels, self.stem_stride = 16, 2
        self.head_channels, self.num_classes = 512, NUM_CLASSES
        self.width_factors = [i / 10 for i in range(1, 11)]
        self.ops = [hsconas_op(n) for n in ops.split("/")]
        any_shuffle = any(o.kind in ("shuffle", "shufflex") for o in self.ops)
        for o in self.ops:  # an MB block beside Choice units ends with their shuffle
            o.shuffle_out = o.kind == "mb" and any_shuffle
        if mobilenetv2:  # mobilenetv2_space(): every layer MB k3 e6, no shuffle
            self.ops = [Op("mb3e6", "mb", kernel=3, expand=6)]
        self.layers = []
        c, res = self.stem_channels, (self.in_size + self.stem_stride - 1) // self.stem_stride
        for cout, depth, stride in zip([32, 64, 128, 256], [4, 4, 8, 4], [1, 2, 2, 2]):
            for d in range(depth):
                s = stride if d == 0 else 1
                self.layers.append(Layer(c, cout, s, res))
                c, res = cout, (res + s - 1) // s

    def parse(self, text):
        """[(op, mid channels)] per layer, as SearchSpace::parse and mid_channels."""
        parts = [p.strip() for p in text.strip().split(",")]
        if len(parts) != len(self.layers):
            raise PeerError("arch has %d layers, space has %d" % (len(parts), len(self.layers)))
        genes = []
        for i, (item, layer) in enumerate(zip(parts, self.layers)):
            op_name, at, w_text = item.partition("@")
            op = next((o for o in self.ops if o.name == op_name), None)
            if op is None:
                raise PeerError("arch layer %d: unknown op '%s'" % (i + 1, op_name))
            if not op.reshapes and (layer.cin != layer.cout or layer.stride != 1):
                raise PeerError("arch layer %d: %s cannot change shape" % (i + 1, op_name))
            if op.kind == "skip":
                genes.append((op, 0))
                continue
            if not at:
                raise PeerError("arch layer %d: op '%s' needs a width factor" % (i + 1, op_name))
            w = next((f for f in self.width_factors if abs(f - float(w_text)) < 1e-9), None)
            if w is None:
                raise PeerError("arch layer %d: width %s is not a factor of the space" % (i + 1, w_text))
            max_mid = layer.cout // 2 if op.kind in ("shuffle", "shufflex") else layer.cin * op.expand
            # std::lround: half away from zero (w * max_mid > 0)
            genes.append((op, max(1, int(math.floor(w * max_mid + 0.5)))))
        return genes


# ---------------------------------------------------------------------------
# The networks (src/nn/blocks.cpp, src/nn/network.cpp).

def conv(cin, cout, k, stride, depthwise):
    """SlimConv2d at full width: same padding, no bias, Kaiming normal (fan out, ReLU)."""
    c = nn.Conv2d(cin, cout, k, stride, k // 2, groups=cin if depthwise else 1, bias=False)
    nn.init.kaiming_normal_(c.weight, mode="fan_out", nonlinearity="relu")
    return c


def relu6(y):
    return torch.clamp(y, 0, 6)  # hwnas's ReLU6 is this clamp (blocks.cpp)


def channel_shuffle(x):
    n, c, h, w = x.shape
    return x.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)


class ConvBn:
    """conv_bn(): registers <name>_conv and <name>_bn on the block, as hwnas does."""

    def __init__(self, block, name, cin, cout, k, stride, depthwise, act):
        setattr(block, name + "_conv", conv(cin, cout, k, stride, depthwise))
        setattr(block, name + "_bn", nn.BatchNorm2d(cout))
        self.block, self.name, self.act = block, name, act

    def __call__(self, x):
        y = getattr(self.block, self.name + "_bn")(getattr(self.block, self.name + "_conv")(x))
        if self.act == "relu":
            return torch.relu(y)
        if self.act == "relu6":
            return relu6(y)
        return y

    def init_identity(self):
        w = getattr(self.block, self.name + "_conv").weight
        with torch.no_grad():
            w.zero_()
            c = w.shape[2] // 2
            if getattr(self.block, self.name + "_conv").groups > 1:
                w[:, 0, c, c] = 1
            else:
                for i in range(min(w.shape[0], w.shape[1])):
                    w[i, i, c, c] = 1


class ShuffleBlock(nn.Module):
    """ShuffleNetV2 unit with kernel k, or the Xception-like ChoiceX."""

    def __init__(self, op, layer, mid):
        super().__init__()
        self.xception = op.kind == "shufflex"
        self.proj = layer.stride != 1 or layer.cin != layer.cout
        cin = layer.cin if self.proj else layer.cin // 2
        out = layer.cout - layer.cin if self.proj else layer.cout // 2
        s = layer.stride
        # Registration order is hwnas's: pw1, dw, xdw1, xdw2, xpw, xdw3, pw2, proj_dw, proj_pw.
        self.pw1 = ConvBn(self, "pw1", cin, mid, 1, 1, False, "relu")
        if not self.xception:
            self.dw = ConvBn(self, "dw", mid, mid, op.kernel, s, True, None)
        else:
            self.xdw1 = ConvBn(self, "xdw1", cin, cin, 3, s, True, None)
            self.xdw2 = ConvBn(self, "xdw2", mid, mid, 3, 1, True, None)
            self.xpw = ConvBn(self, "xpw", mid, mid, 1, 1, False, "relu")
            self.xdw3 = ConvBn(self, "xdw3", mid, mid, 3, 1, True, None)
            for u in (self.xdw1, self.xdw2, self.xpw, self.xdw3):
                u.init_identity()
        self.pw2 = ConvBn(self, "pw2", mid, out, 1, 1, False, "relu")
        if self.proj:
            k = 3 if self.xception else op.kernel
            self.proj_dw = ConvBn(self, "proj_dw", layer.cin, layer.cin, k, s, True, None)
            self.proj_pw = ConvBn(self, "proj_pw", layer.cin, layer.cin, 1, 1, False, "relu")

    def forward(self, x):
        if self.proj:
            keep, y = self.proj_pw(self.proj_dw(x)), x
        else:
            keep, y = x.chunk(2, 1)
        if self.xception:
            y = self.pw1(self.xdw1(y))
            y = self.xpw(self.xdw2(y))
            y = self.pw2(self.xdw3(y))
        else:
            y = self.pw2(self.dw(self.pw1(y)))
        return channel_shuffle(torch.cat([keep, y], 1))


class MbBlock(nn.Module):
    """MobileNetV2 inverted residual MB_k_e."""

    def __init__(self, op, layer, mid):
        super().__init__()
        self.residual = layer.stride == 1 and layer.cin == layer.cout
        self.shuffle_out = op.shuffle_out
        self.pw1 = ConvBn(self, "pw1", layer.cin, mid, 1, 1, False, "relu6") if op.expand != 1 else None
        self.dw = ConvBn(self, "dw", mid, mid, op.kernel, layer.stride, True, "relu6")
        self.pw2 = ConvBn(self, "pw2", mid, layer.cout, 1, 1, False, None)

    def forward(self, x):
        y = self.pw1(x) if self.pw1 is not None else x
        y = self.pw2(self.dw(y))
        if self.residual:
            y = y + x
        return channel_shuffle(y) if self.shuffle_out else y


class SkipBlock(nn.Module):
    def forward(self, x):
        return channel_shuffle(x)


class Stem(nn.Module):
    def __init__(self, space):
        super().__init__()
        self.conv = conv(space.in_channels, space.stem_channels, 3, space.stem_stride, False)
        self.bn = nn.BatchNorm2d(space.stem_channels)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class Head(nn.Module):
    def __init__(self, space, cin):
        super().__init__()
        self.conv = conv(cin, space.head_channels, 1, 1, False)
        self.bn = nn.BatchNorm2d(space.head_channels)
        self.fc = nn.Linear(space.head_channels, space.num_classes)
        nn.init.normal_(self.fc.weight, 0, 0.01)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x):
        return self.fc(torch.relu(self.bn(self.conv(x))).mean((2, 3)))


GROUP = {"shuffle": "shuffle", "shufflex": "shuffle", "mb": "mb", "skip": "skip"}


class ChainNet(nn.Module):
    """Stem, one block per layer (named l<i>_<weight group>, as hwnas), head."""

    def __init__(self, space, genes):
        super().__init__()
        self.stem = Stem(space)
        self.blocks = []
        for i, ((op, mid), layer) in enumerate(zip(genes, space.layers)):
            if op.kind == "skip":
                block = SkipBlock()
            elif op.kind == "mb":
                block = MbBlock(op, layer, mid)
            else:
                block = ShuffleBlock(op, layer, mid)
            self.add_module("l%d_%s" % (i + 1, GROUP[op.kind]), block)
            self.blocks.append(block)
        self.head = Head(space, space.layers[-1].cout)

    def forward(self, x):
        y = self.stem(x)
        for b in self.blocks:
            y = b(y)
        return self.head(y)


def count_macs(net, x):
    """Multiply-accumulates of one forward pass at batch 1, counted on the
    modules that ran (conv and FC), as core/flops.cpp counts them."""
    macs = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            macs[0] += out.numel() // out.shape[0] * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            macs[0] += m.in_features * m.out_features

    handles = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        out = net(x)
    for h in handles:
        h.remove()
    return macs[0], list(out.shape)


# ---------------------------------------------------------------------------
# The check against hwnas's own network (peer_bench --dump DIR).

def load_dump(path):
    with open(os.path.join(path, "tensors.json")) as f:
        index = json.load(f)
    with open(os.path.join(path, "tensors.bin"), "rb") as f:
        blob = bytearray(f.read())
    flat = torch.frombuffer(blob, dtype=torch.float32)
    return {t["name"]: flat[t["offset"]:t["offset"] + t["numel"]].view(t["shape"]).clone() for t in index["tensors"]}


def check_against(net, path):
    """Loads hwnas's initial weights by name (every parameter and buffer, both
    ways, same shapes) and compares the logits in eval and train mode."""
    dump = load_dump(path)
    ours = {k: v for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    theirs = {k: v for k, v in dump.items() if not k.startswith("__")}
    missing = sorted(set(theirs) - set(ours))
    extra = sorted(set(ours) - set(theirs))
    if missing or extra:
        raise PeerError("tensors differ by name: only in hwnas %s, only in Python %s" % (missing[:5], extra[:5]))
    for k, v in theirs.items():
        if list(v.shape) != list(ours[k].shape):
            raise PeerError("tensor %s: hwnas %s, Python %s" % (k, list(v.shape), list(ours[k].shape)))
    net.load_state_dict(theirs, strict=False)
    x = dump["__input__"]
    worst = 0.0
    with torch.no_grad():
        for mode, key in (("eval", "__eval_logits__"), ("train", "__train_logits__")):
            net.train(mode == "train")
            got, want = net(x), dump[key]
            diff = (got - want).abs().max().item()
            tol = 1e-4 * max(1.0, want.abs().max().item())
            if not diff <= tol:
                raise PeerError("%s-mode logits differ from hwnas's by %.3g (tolerance %.3g)" % (mode, diff, tol))
            worst = max(worst, diff)
    return len(theirs), worst


# ---------------------------------------------------------------------------
# Timing: what peer_bench does, line for line.

def cross_entropy(logits, labels):
    # hwnas::cross_entropy (train/trainer.cpp): log_softmax, gather, mean.
    return -torch.log_softmax(logits, 1).gather(1, labels.unsqueeze(1)).squeeze(1).mean()


def time_training(net, batch, steps, warmup):
    """Median wall ms of one training step as hwnas's trainer takes it:
    normalise a uint8 batch, gradients unset, forward, cross entropy,
    backward, gradient-norm clip at 5, SGD (momentum 0.9, weight decay 3e-5)."""
    pool = [torch.randint(0, 256, (batch, 1, 28, 28), dtype=torch.uint8) for _ in range(2)]
    labels = [torch.randint(0, NUM_CLASSES, (batch,), dtype=torch.int64) for _ in range(2)]
    scale, shift = 1.0 / (255.0 * STD), -MEAN / STD
    params = list(net.parameters())
    opt = torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=3e-5)
    net.train()
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        x = pool[i % 2].to(torch.float32) * scale + shift
        for p in params:
            p.grad = None
        loss = cross_entropy(net(x), labels[i % 2])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        loss.item()
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def time_inference(net, warmup, repeats):
    """Median wall ms of one batch-1 forward pass in eval mode without autograd."""
    x = (torch.randint(0, 256, (1, 1, 28, 28), dtype=torch.uint8).to(torch.float32) / 255.0 - MEAN) / STD
    net.eval()
    times = []
    with torch.no_grad():
        for i in range(warmup + repeats):
            t0 = time.perf_counter()
            net(x)
            if i >= warmup:
                times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--space", default="hsconas", help="hsconas or hsconas:ops=a/b/...")
    ap.add_argument("--mobilenetv2", action="store_true", help="the space's MobileNetV2 baseline space")
    ap.add_argument("--arch", required=True, help="arch text, e.g. k3@0.5,k3@0.5,...")
    ap.add_argument("--name", default="net", help="label in the JSON")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--steps", type=int, default=6, help="timed training steps")
    ap.add_argument("--warmup", type=int, default=2, help="training steps before timing")
    ap.add_argument("--infer-warmup", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=150, help="timed batch-1 forward passes")
    ap.add_argument("--expect-params", type=int, help="hwnas's parameter count: a mismatch is an error")
    ap.add_argument("--expect-macs", type=int, help="hwnas's MACs at batch 1: a mismatch is an error")
    ap.add_argument("--check", metavar="DIR", help="load peer_bench --dump DIR's weights, compare logits, exit")
    a = ap.parse_args()
    if a.threads < 1 or a.batch < 1 or a.steps < 1 or a.repeats < 1 or a.warmup < 0 or a.infer_warmup < 0:
        raise PeerError("threads, batch, steps and repeats must be >= 1; warm-ups >= 0")

    torch.set_num_interop_threads(1)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    space = Space(a.space, a.mobilenetv2)
    net = ChainNet(space, space.parse(a.arch))
    parameters = sum(p.numel() for p in net.parameters())
    macs, out_shape = count_macs(net.eval(), torch.zeros(1, 1, 28, 28))
    if a.expect_params is not None and parameters != a.expect_params:
        raise PeerError("%s: %d parameters in Python, %d in hwnas" % (a.name, parameters, a.expect_params))
    if a.expect_macs is not None and macs != a.expect_macs:
        raise PeerError("%s: %d MACs in Python, %d in hwnas" % (a.name, macs, a.expect_macs))
    if out_shape != [1, NUM_CLASSES]:
        raise PeerError("%s: output %s, expected [1, %d]" % (a.name, out_shape, NUM_CLASSES))
    if a.check:
        n, worst = check_against(net, a.check)
        print(json.dumps({"side": "python", "network": a.name, "check": "ok", "tensors": n, "parameters": parameters,
                          "macs": macs, "max_logit_diff": worst}))
        return
    train_ms = time_training(net, a.batch, a.steps, a.warmup)
    infer_ms = time_inference(net, a.infer_warmup, a.repeats)
    print(json.dumps({
        "side": "python", "network": a.name, "threads": a.threads, "parameters": parameters, "macs": macs,
        "output": out_shape, "batch": a.batch, "train_steps": a.steps, "train_ms": round(train_ms, 3),
        "train_images_per_s": round(a.batch / train_ms * 1e3, 1), "infer_repeats": a.repeats,
        "infer_ms": round(infer_ms, 4), "torch": torch.__version__}))


if __name__ == "__main__":
    try:
        main()
    except PeerError as e:
        print("python_peer: error: %s" % e, file=sys.stderr)
        sys.exit(1)
