"""PyTorch peers of the platform's DL4J networks, driven by ModelBench (bin/bench models --peer).

U-Net, PSPNet and ICNet here mirror, layer for layer, UNet.java, PSPNet.java and ICNet.java in
segmentation-core/src/main/java/dev/segplatform/core/model/, so that a speed ratio compares two
frameworks running the same network. Trainable parameters at default widths, 3 classes (checked
against the DL4J graphs' paramTable(); DL4J's numParams() also counts BatchNorm's running mean and
variance, 2 per BN channel, which PyTorch keeps as buffers):

    network   PyTorch    DL4J trainable   DL4J numParams (= trainable + BN running stats)
    unet      1,942,611  1,942,611        1,945,555 (+ 2,944)
    pspnet      753,843    753,843          755,699 (+ 1,856)
    icnet       379,145    379,145          380,777 (+ 1,632)

Known difference: DL4J's "Same" mode pads a stride-2 3x3 convolution on an even size with 0 rows
and columns at the top/left and 1 at the bottom/right; padding=1 here pads 1 on each side and
drops the last. Output sizes and the work are the same; the sampling grid is shifted by a pixel.
With DL4J's padding and the DL4J weights copied in, the three networks' outputs (train and eval
mode) and losses agree with the DL4J graphs' to about 1e-6.

Protocol: one command per line on stdin, one answer line per command on stdout (flushed):
    build <arch> <size> <batch> <classes>  -> built <arch> params <n>
    train <iters>                          -> train <images_per_second>
    latency <runs>                         -> latency <median_ms>     (one image, eval, no_grad)
    infer <runs>                           -> infer <images_per_second> (the whole batch)
    rss                                    -> rss <peak_resident_bytes>     (VmHWM, see Peer.rss)
    quit
A failing command answers `error <message>` and the peer keeps serving. Threads: env THREADS (2).
"""
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 42
LEARNING_RATE = 1e-3
PYRAMID_BINS = (1, 2, 3, 6)  # PSPNet.BINS, also used by ICNet
ICNET_LOSS_WEIGHTS = (0.4, 0.4, 1.0)  # outputs at 1/16, 1/8, 1/4 (ModelSpec.DEFAULT_ICNET_LOSS_WEIGHTS)


# ---- building blocks (GraphBlocks.java) ----------------------------------------------------------

def conv(cin, cout, kernel, stride=1, dilation=1, bias=False):
    """A convolution in DL4J's "Same" mode: output side = ceil(input side / stride).

    For the odd kernels here, stride 1 pads dilation*(kernel-1)/2 on each side, exactly as DL4J;
    for stride 2 on an even side, padding 1 gives the same output size (see the module docstring).
    """
    padding = dilation * (kernel - 1) // 2
    return nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, dilation=dilation, bias=bias)


def conv_bn_relu(cin, cout, kernel=3, stride=1, dilation=1):
    """GraphBlocks.convBnRelu: conv without bias (BN supplies it) + BN + ReLU."""
    return nn.Sequential(conv(cin, cout, kernel, stride, dilation), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def classifier(cin, classes):
    """GraphBlocks.classifier: 1x1 conv to logits, with bias."""
    return nn.Conv2d(cin, classes, 1, bias=True)


def resize(x, size):
    """BilinearResize2D: bilinear, align_corners=False (Resampling.bilinearWeights)."""
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


def init_like_dl4j(model):
    """SegmentationNetwork.baseConfiguration: WeightInit.RELU (He normal, fan-in), zero biases.

    Speed does not depend on it; it keeps the first training steps comparable.
    """
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)


# ---- networks ------------------------------------------------------------------------------------

class UNet(nn.Module):
    """UNet.java: depth encoder blocks (2 conv+BN+ReLU, 2x2 max pool), a bridge, depth decoder
    blocks (2x2 stride-2 transposed conv with bias, concat [up, skip], 2 conv+BN+ReLU), 1x1 head."""

    label_downsample = (1,)
    loss_weights = (1.0,)

    def __init__(self, classes, width=16, depth=4):
        super().__init__()
        self.enc = nn.ModuleList()
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        cin, f = 3, width
        for _ in range(depth):
            self.enc.append(nn.Sequential(conv_bn_relu(cin, f), conv_bn_relu(f, f)))
            cin, f = f, f * 2
        self.bridge = nn.Sequential(conv_bn_relu(cin, f), conv_bn_relu(f, f))
        for _ in range(depth):
            self.up.append(nn.ConvTranspose2d(f, f // 2, 2, stride=2))
            # The merge doubles the channels back: f // 2 upsampled + f // 2 from the skip.
            self.dec.append(nn.Sequential(conv_bn_relu(f, f // 2), conv_bn_relu(f // 2, f // 2)))
            f //= 2
        self.head = classifier(f, classes)

    def forward(self, x):
        skips = []
        for block in self.enc:
            x = block(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bridge(x)
        for up, block in zip(self.up, self.dec):
            x = block(torch.cat([up(x), skips.pop()], 1))  # MergeVertex("up<i>", skip): up first
        return [self.head(x)]


class PSPNet(nn.Module):
    """PSPNet.java: three stages (strided conv + conv) to 1/8, two dilated stages (2, 4), the
    pyramid pooling module (adaptive avg pool, 1x1 conv+BN+ReLU to a quarter of the channels,
    bilinear back), concat [features, bins...], 3x3 conv+BN+ReLU, 1x1 logits, bilinear to input."""

    label_downsample = (1,)
    loss_weights = (1.0,)

    def __init__(self, classes, width=16):
        super().__init__()
        stages = []
        cin, f = 3, width
        for _ in range(3):
            stages += [conv_bn_relu(cin, f, stride=2), conv_bn_relu(f, f)]
            cin, f = f, f * 2
        stages += [conv_bn_relu(cin, f, dilation=2), conv_bn_relu(f, f, dilation=2),
                   conv_bn_relu(f, f, dilation=4), conv_bn_relu(f, f, dilation=4)]
        self.backbone = nn.Sequential(*stages)
        bin_filters = max(1, f // 4)
        self.bins = nn.ModuleList(
            nn.Sequential(nn.AdaptiveAvgPool2d(b), conv_bn_relu(f, bin_filters, kernel=1)) for b in PYRAMID_BINS)
        self.cls = conv_bn_relu(f + len(PYRAMID_BINS) * bin_filters, max(1, f // 2))
        self.logits = classifier(max(1, f // 2), classes)

    def forward(self, x):
        features = self.backbone(x)
        size = features.shape[-2:]
        merged = torch.cat([features] + [resize(b(features), size) for b in self.bins], 1)
        return [resize(self.logits(self.cls(merged)), x.shape[-2:])]


class CascadeFeatureFusion(nn.Module):
    """ICNet.cascadeFeatureFusion: F1 x2 bilinear -> 3x3 dilation-2 conv + BN; F2 -> 1x1 conv + BN;
    sum; ReLU. Also returns the upsampled F1, on which the auxiliary classifier sits."""

    def __init__(self, coarse_channels, fine_channels, out_channels):
        super().__init__()
        self.dilated = nn.Sequential(conv(coarse_channels, out_channels, 3, dilation=2), nn.BatchNorm2d(out_channels))
        self.proj = nn.Sequential(conv(fine_channels, out_channels, 1), nn.BatchNorm2d(out_channels))

    def forward(self, coarse, fine):
        up = resize(coarse, (2 * coarse.shape[-2], 2 * coarse.shape[-1]))
        return F.relu(self.dilated(up) + self.proj(fine)), up


class ICNet(nn.Module):
    """ICNet.java: sub1 (full image, 3 strided convs to 1/8), sub2 (2x2 avg of the image, convs to
    1/16), sub4 (2x2 avg of sub2, 2 dilated convs, pyramid pools summed, 1x1 reduction), two cascade
    feature fusions; outputs at 1/16 and 1/8 (on the fusions' upsampled F1) and 1/4 (main)."""

    label_downsample = (16, 8, 4)
    loss_weights = ICNET_LOSS_WEIGHTS

    def __init__(self, classes, width=16):
        super().__init__()
        w = width
        self.sub1 = nn.Sequential(conv_bn_relu(3, w, stride=2), conv_bn_relu(w, w, stride=2),
                                  conv_bn_relu(w, 2 * w, stride=2))
        self.sub2 = nn.Sequential(conv_bn_relu(3, w, stride=2), conv_bn_relu(w, 2 * w, stride=2),
                                  conv_bn_relu(2 * w, 4 * w, stride=2), conv_bn_relu(4 * w, 4 * w))
        self.sub4 = nn.Sequential(conv_bn_relu(4 * w, 8 * w, dilation=2), conv_bn_relu(8 * w, 8 * w, dilation=2))
        self.sub4_reduce = conv_bn_relu(8 * w, 4 * w, kernel=1)
        self.cff1 = CascadeFeatureFusion(4 * w, 4 * w, 4 * w)
        self.cff1_cls = classifier(4 * w, classes)
        self.cff2 = CascadeFeatureFusion(4 * w, 2 * w, 4 * w)
        self.cff2_cls = classifier(4 * w, classes)
        self.final_cls = classifier(4 * w, classes)

    def forward(self, x):
        sub1 = self.sub1(x)
        sub2 = self.sub2(F.avg_pool2d(x, 2))
        sub4 = self.sub4(F.avg_pool2d(sub2, 2))
        size32 = sub4.shape[-2:]
        # ICNet's light pyramid pooling: pooled bins resized back and summed, no convs.
        pyramid = sub4
        for b in PYRAMID_BINS:
            pyramid = pyramid + resize(F.adaptive_avg_pool2d(sub4, b), size32)
        sub4 = self.sub4_reduce(pyramid)
        cff1, up16 = self.cff1(sub4, sub2)
        cff2, up8 = self.cff2(cff1, sub1)
        final = resize(cff2, (2 * cff2.shape[-2], 2 * cff2.shape[-1]))
        return [self.cff1_cls(up16), self.cff2_cls(up8), self.final_cls(final)]


NETWORKS = {"unet": UNet, "pspnet": PSPNet, "icnet": ICNet}


# ---- the peer ------------------------------------------------------------------------------------

class Peer:
    def __init__(self):
        self.model = None

    def build(self, arch, size, batch, classes):
        size, batch, classes = int(size), int(batch), int(classes)
        if arch not in NETWORKS:
            raise ValueError(f"unknown architecture {arch}; expected one of {', '.join(NETWORKS)}")
        torch.manual_seed(SEED)
        self.model = NETWORKS[arch](classes)
        init_like_dl4j(self.model)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATE)
        self.batch = batch
        # As ModelBench's random batch: images in [0, 1], random labels, one set per output.
        self.x = torch.rand(batch, 3, size, size)
        self.labels = [torch.randint(0, classes, (batch, size // d, size // d)) for d in self.model.label_downsample]
        params = sum(p.numel() for p in self.model.parameters() if p.requires_grad)
        return f"built {arch} params {params}"

    def _model(self):
        if self.model is None:
            raise RuntimeError("no network built yet (send build first)")
        return self.model

    def _step(self):
        # PixelMeanLoss: per-pixel mean softmax cross-entropy per output, weighted and summed.
        self.optimizer.zero_grad()
        outputs = self.model(self.x)
        loss = sum(w * F.cross_entropy(o, y) for w, o, y in zip(self.model.loss_weights, outputs, self.labels))
        loss.backward()
        self.optimizer.step()

    def train(self, iters):
        model, iters = self._model(), int(iters)
        model.train()
        t = time.perf_counter()
        for _ in range(iters):
            self._step()
        return f"train {self.batch * iters / (time.perf_counter() - t):.4f}"

    def _predict(self, x):
        # ComputationGraph.output: every output, through the loss layers' softmax.
        return [torch.softmax(o, 1) for o in self.model(x)]

    def latency(self, runs):
        model, runs = self._model(), int(runs)
        model.eval()
        one = self.x[:1]
        times = []
        with torch.no_grad():
            for _ in range(runs):
                t = time.perf_counter()
                self._predict(one)
                times.append(time.perf_counter() - t)
        return f"latency {statistics.median(times) * 1000:.4f}"

    def infer(self, runs):
        model, runs = self._model(), int(runs)
        model.eval()
        with torch.no_grad():
            t = time.perf_counter()
            for _ in range(runs):
                self._predict(self.x)
            seconds = time.perf_counter() - t
        return f"infer {self.batch * runs / seconds:.4f}"

    @staticmethod
    def rss():
        # Not getrusage's ru_maxrss alone: Linux carries the parent's high-water mark over fork and
        # exec, so a peer started by a 3 GB JVM reports 3 GB. VmHWM belongs to this process's own
        # memory map, which exec made new.
        try:
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return f"rss {int(line.split()[1]) * 1024}"  # kB
        except OSError:
            pass
        return f"rss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}"  # Linux: KiB


def main():
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    peer = Peer()
    commands = {"build": peer.build, "train": peer.train, "latency": peer.latency, "infer": peer.infer,
                "rss": peer.rss}
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        try:
            if words[0] not in commands:
                raise ValueError(f"unknown command {words[0]}")
            answer = commands[words[0]](*words[1:])
        except Exception as e:  # report and keep serving: the driver decides what a failure means
            answer = "error " + " ".join(f"{type(e).__name__}: {e}".split())
        print(answer, flush=True)


if __name__ == "__main__":
    main()
