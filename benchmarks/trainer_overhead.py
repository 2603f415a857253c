"""Benchmark: the Trainer against the smallest hand-written training loop.

Same model, data, optimizer, batch order and epochs (digits MLP, 20 epochs, per-epoch validation), the two
alternated (21 times by default); prints the median times and the ratio Trainer / hand loop (target: <= 1.10 on CPU).
Run with `make benchmark` (or `python benchmarks/trainer_overhead.py --device cuda`).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

import dlbook
from dlbook.models import MLP

EPOCHS, BATCH_SIZE, LR = 20, 64, 1e-3


def hand_loop(model: nn.Module, data: dlbook.data.DataSplits, device: torch.device) -> float:
    """The minimal loop: shuffle, mini-batches, Adam, validation loss + accuracy once per epoch."""
    X, y = (t.to(device) for t in data.train)
    X_val, y_val = (t.to(device) for t in data.val)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(EPOCHS):
        model.train()
        order = torch.randperm(X.shape[0], device=device)
        for start in range(0, X.shape[0], BATCH_SIZE):
            idx = order[start : start + BATCH_SIZE]
            loss = loss_fn(model(X[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            out = model(X_val)
            val_loss = loss_fn(out, y_val).item()
            val_acc = (out.argmax(1) == y_val).float().mean().item()
    return val_loss + 0 * val_acc


def time_one(kind: str, data: dlbook.data.DataSplits, device: torch.device) -> float:
    dlbook.set_seed(0)
    model = MLP(data.n_features, [128], data.n_classes).to(device)
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    if kind == "trainer":
        dlbook.Trainer(lr=LR, optimizer="adam", batch_size=BATCH_SIZE, epochs=EPOCHS, device=device).fit(model, data)
    else:
        hand_loop(model, data, device)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cpu, cuda or mps (default: dlbook.get_device())")
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args()
    device = dlbook.get_device(args.device)
    data = dlbook.data.digits()
    time_one("trainer", data, device), time_one("hand", data, device)  # warm-up
    times: dict[str, list[float]] = {"trainer": [], "hand": []}
    for _ in range(args.repeats):
        for kind in ("trainer", "hand"):
            times[kind].append(time_one(kind, data, device))
    trainer, hand = statistics.median(times["trainer"]), statistics.median(times["hand"])
    print(dlbook.describe_device(device))
    print(f"digits MLP, {EPOCHS} epochs, batch {BATCH_SIZE}, median of {args.repeats}:")
    print(f"  hand-written loop {hand:.3f} s")
    print(f"  dlbook.Trainer    {trainer:.3f} s")
    print(f"  ratio Trainer / hand loop = {trainer / hand:.3f} (target <= 1.10)")


if __name__ == "__main__":
    main()
