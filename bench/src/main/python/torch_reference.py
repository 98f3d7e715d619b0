#!/usr/bin/env python3
"""PyTorch reference for the throughput benchmark: the project's three default architectures
(MLP 784-256-128-10, CNN conv16-pool-conv32-pool-dense128, ResNet widths 16/32/64 with one
basic block per stage), the same optimiser (SGD, Nesterov 0.9, weight decay 1e-4) and batch
sizes, on random inputs of Fashion-MNIST's shape. Prints one JSON line per measurement:
{"framework": "pytorch", "arch", "threads", "phase": "train"|"inference", "images_per_s"}.

    python3 torch_reference.py --threads 1 --batch 128 --seconds 4 --repeats 3
"""
import argparse
import json
import time

import torch
from torch import nn


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                         nn.Linear(128, 10))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(7 * 7 * 32, 128), nn.ReLU(), nn.Linear(128, 10))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (x if self.proj is None else self.proj(x)))


def resnet(widths=(16, 32, 64)):
    layers = [nn.Conv2d(1, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU()]
    prev = widths[0]
    for s, w in enumerate(widths):
        layers.append(Block(prev, w, 2 if s > 0 else 1))
        prev = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(prev, 10)]
    return nn.Sequential(*layers)


def measure(step, batch, seconds, warmup, repeats):
    """Median images/s over `repeats` timed windows of `seconds`, after `warmup` untimed steps."""
    for _ in range(warmup):
        step()
    rates = []
    for _ in range(repeats):
        n = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            step()
            n += 1
        rates.append(n * batch / (time.perf_counter() - start))
    return sorted(rates)[len(rates) // 2]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--inference-batch", type=int, default=500)
    p.add_argument("--seconds", type=float, default=4.0)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--archs", default="mlp,cnn,resnet")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    builders = {"mlp": mlp, "cnn": cnn, "resnet": resnet}
    for name in a.archs.split(","):
        model = builders[name]()
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4)
        loss_fn = nn.CrossEntropyLoss()
        x = torch.randn(a.batch, 1, 28, 28)
        y = torch.randint(0, 10, (a.batch,))

        def train_step():
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x), y).backward()
            opt.step()

        model.train()
        train = measure(train_step, a.batch, a.seconds, a.warmup, a.repeats)
        xi = torch.randn(a.inference_batch, 1, 28, 28)
        model.eval()

        def infer_step():
            with torch.no_grad():
                torch.softmax(model(xi), dim=1)

        infer = measure(infer_step, a.inference_batch, a.seconds, max(2, a.warmup // 2), a.repeats)
        for phase, v in (("train", train), ("inference", infer)):
            print(json.dumps({"framework": "pytorch", "arch": name, "threads": a.threads, "phase": phase,
                              "images_per_s": round(v, 1)}), flush=True)


if __name__ == "__main__":
    main()
