#!/usr/bin/env python3
"""PyTorch side of `naslung bench`: the NAS-Lung ConvRes network with the reference ResCBAM and an
A-Softmax head, written here from the published definition (Jiang et al. 2021 and the structure of
the reference models/cnn_res.py + net_sphere.py as described in /work/shared/DESIGN.md; the
reference repository is not vendored), timed on the same cases as `naslung bench`.

PyTorch runs at its default OpenMP wait policy (an inherited OMP_WAIT_POLICY is dropped: passive
waiting slows it ~30% here). Run with Debian's python3-torch (`apt-get install python3-torch`, or `bash scripts/setup.sh
--with-torch`):

    /usr/bin/python3 bench/pytorch_reference.py [--ours ours.jsonl] [--steps 10] [--threads 2]

It prints one JSON line per case in the `naslung bench --json` shape (backend "pytorch-<ver>",
stockTrainSamplesPerSec null) and, with --ours (the output of `naslung bench --json`), the ratios
ours / PyTorch for training and inference; its settings go to stderr as one
"pytorch_reference: settings:" line. `naslung bench --vs-pytorch` runs it interleaved with ours.
"""
import argparse
import ast
import json
import os
import resource
import statistics
import sys
import time

# PyTorch at its own best settings: OMP_WAIT_POLICY=passive (which our test runner and notebook
# kernel set for our own process) slows its OpenMP by ~30% on these nets. libgomp reads the
# variable when torch loads, so it is dropped before the import.
_inherited_wait_policy = os.environ.pop("OMP_WAIT_POLICY", None)

import torch  # noqa: E402
import torch.nn as nn
import torch.nn.functional as F

CASES = [
    ("[4,4,[8,8,8],[16,16,16],[32,32]]", 8),
    ("[4,4,[8,8,8],[16,16,16],[32,32]]", 32),
    ("[4,4,[8,16,16],[16,32,64],[128,128]]", 8),
]
NAMES = {"model-1": CASES[0][0], "model-2": CASES[2][0]}


def cbr(cin, cout, k, stride=1, bias=True):
    """Conv3d + BatchNorm3d + ReLU with symmetric padding k // 2 (the reference's make_conv3d)."""
    return nn.Sequential(nn.Conv3d(cin, cout, k, stride, k // 2, bias=bias), nn.BatchNorm3d(cout), nn.ReLU(inplace=True))


class ResidualBlock(nn.Module):
    """CBR3(CBR3(x)) + CBR1x1(x), no ReLU after the sum."""

    def __init__(self, cin, cout):
        super().__init__()
        self.body = nn.Sequential(cbr(cin, cout, 3), cbr(cout, cout, 3))
        self.shortcut = cbr(cin, cout, 1)

    def forward(self, x):
        return self.body(x) + self.shortcut(x)


class ResCBAM(nn.Module):
    """The reference ResCBAM: channel MLP C -> C/4 -> C (no bias, no ReLU) on global avg and max
    pools, softmax over channels, spatial map sigmoid(conv3d_k3([max_c, mean_c])) of the
    channel-weighted tensor, output s * x + x."""

    def __init__(self, c):
        super().__init__()
        h = max(1, c // 4)
        self.fc1 = nn.Linear(c, h, bias=False)
        self.fc2 = nn.Linear(h, c, bias=False)
        self.spatial = nn.Conv3d(2, 1, 3, 1, 1, bias=False)

    def forward(self, x):
        n, c = x.shape[:2]
        avg = x.mean(dim=(2, 3, 4))
        mx = x.amax(dim=(2, 3, 4))
        w = F.softmax(self.fc2(self.fc1(avg)) + self.fc2(self.fc1(mx)), dim=1).view(n, c, 1, 1, 1)
        xc = x * w
        sp = torch.cat([xc.max(dim=1, keepdim=True)[0], xc.mean(dim=1, keepdim=True)], 1)
        s = torch.sigmoid(self.spatial(sp))
        return s * x + x


class AngleLinear(nn.Module):
    """SphereFace AngleLinear (m = 4): returns (|x| cos theta, |x| psi theta)."""

    def __init__(self, cin, cout, m=4):
        super().__init__()
        self.m = m
        self.weight = nn.Parameter(torch.empty(cin, cout).uniform_(-1, 1).renorm_(2, 1, 1e-5).mul_(1e5))

    def forward(self, x):
        w = self.weight.renorm(2, 1, 1e-5).mul(1e5)
        xlen = x.pow(2).sum(1).pow(0.5)
        wlen = w.pow(2).sum(0).pow(0.5)
        cos = (x.mm(w) / xlen.view(-1, 1) / wlen.view(1, -1)).clamp(-1, 1)
        cos_m = 8 * cos**4 - 8 * cos**2 + 1
        k = (self.m * cos.detach().acos() / 3.14159265).floor()
        psi = (-1.0) ** k * cos_m - 2 * k
        return cos * xlen.view(-1, 1), psi * xlen.view(-1, 1)


def angle_loss(out, target, it):
    """A-Softmax loss with the margin applied, lambda = max(5, 1500 / (1 + 0.1 it))."""
    cos, psi = out
    lamb = max(5.0, 1500.0 / (1 + 0.1 * it))
    onehot = F.one_hot(target, cos.shape[1]).to(cos.dtype)
    logits = cos + onehot * (psi - cos) / (1 + lamb)
    return -F.log_softmax(logits, 1).gather(1, target.view(-1, 1)).mean()


class ConvRes(nn.Module):
    """stem CBR(1->s1) -> CBR(s1->s2) -> ResCBAM; per stage CBR(C->C, k3, stride 2, no bias) ->
    residual blocks -> ResCBAM; avg-pool 4 -> AngleLinear(C, 2)."""

    def __init__(self, arch):
        super().__init__()
        s1, s2, *stages = arch
        layers = [cbr(1, s1, 3), cbr(s1, s2, 3), ResCBAM(s2)]
        c = s2
        for widths in stages:
            layers.append(cbr(c, c, 3, stride=2, bias=False))
            for w in widths:
                layers.append(ResidualBlock(c, w))
                c = w
            layers.append(ResCBAM(c))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AvgPool3d(4, 4)
        self.head = AngleLinear(c, 2)

    def forward(self, x):
        return self.head(self.pool(self.features(x)).flatten(1))


def median_seconds(fn, reps, warmup=2):
    for _ in range(warmup):
        fn()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return statistics.median(t)


def bench_case(arch_str, batch, steps, infer_steps):
    torch.manual_seed(0)
    model = ConvRes(ast.literal_eval(arch_str))
    params = sum(p.numel() for p in model.parameters())
    x = torch.randn(batch, 1, 32, 32, 32)
    y = torch.arange(batch) % 2
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    it = [0]

    def train_step():
        it[0] += 1
        model.train()
        opt.zero_grad()
        loss = angle_loss(model(x), y, it[0])
        loss.backward()
        opt.step()
        return loss.item()

    def infer_step():
        model.eval()
        with torch.no_grad():
            return model(x)[0][0, 0].item()

    train = median_seconds(train_step, steps)
    infer = median_seconds(infer_step, infer_steps)
    return {
        "config": arch_str,
        "params": params,
        "backend": f"pytorch-{torch.__version__}",
        "batch": batch,
        "trainSamplesPerSec": round(batch / train, 2),
        "inferSamplesPerSec": round(batch / infer, 2),
        "stockTrainSamplesPerSec": None,
        "peakRssMB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ours", help="JSON lines from `naslung bench --json` to compare against")
    ap.add_argument("--steps", type=int, default=10, help="timed training steps (median)")
    ap.add_argument("--infer-steps", type=int, default=20, help="timed inference batches (median)")
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2, this machine's cores)")
    ap.add_argument("--case", nargs="*", help="CONFIG@BATCH (architecture or model-1/model-2), default: Model-1 @8, Model-1 @32, config 2 @8")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    # Denormal floats slowed these nets ~30x on this machine; flush them as we do natively.
    torch.set_flush_denormal(True)
    if _inherited_wait_policy is not None:
        print(f"pytorch_reference: ignoring OMP_WAIT_POLICY={_inherited_wait_policy} (PyTorch runs at its default policy)", file=sys.stderr)
    # One line with every setting that affects speed; `naslung bench --vs-pytorch` prints it beside
    # the figures. Channels-last (torch.channels_last_3d) and torch.jit trace/script + freeze (and
    # optimize_for_inference) were measured on these nets and were not faster, so it runs eager
    # on contiguous NCDHW tensors (see bench/README.md).
    print(
        f"pytorch_reference: settings: torch {torch.__version__}, {torch.get_num_threads()} intra-op threads"
        f" ({torch.get_num_interop_threads()} inter-op), oneDNN (mkldnn) {'on' if torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled else 'off'},"
        f" flush-denormal on, default OpenMP wait policy, eager mode, contiguous NCDHW tensors, inference under torch.no_grad",
        file=sys.stderr,
    )
    cases = CASES
    if a.case:
        cases = []
        for spec in a.case:
            cfg, _, b = spec.rpartition("@") if "@" in spec else (spec, "", "8")
            cases.append((NAMES.get(cfg, cfg), int(b)))
    ours = {}
    if a.ours:
        with open(a.ours) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    r = json.loads(line)
                    ours[(NAMES.get(r["config"], r["config"]).replace(" ", ""), r["batch"])] = r
    for cfg, batch in cases:
        r = bench_case(cfg, batch, a.steps, a.infer_steps)
        o = ours.get((cfg.replace(" ", ""), batch))
        if o:
            r["oursTrainSamplesPerSec"] = o["trainSamplesPerSec"]
            r["oursInferSamplesPerSec"] = o["inferSamplesPerSec"]
            r["trainRatioOursOverTorch"] = round(o["trainSamplesPerSec"] / r["trainSamplesPerSec"], 3)
            r["inferRatioOursOverTorch"] = round(o["inferSamplesPerSec"] / r["inferSamplesPerSec"], 3)
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    sys.exit(main())
