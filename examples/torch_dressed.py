"""The dressed quantum circuit (Mari et al. 2020) trained from PyTorch with ``QLayer``.

``examples/dressed_circuit.qml`` describes the experiment; here PyTorch owns the
network and the training loop::

    Linear(30 -> 4), tanh, QLayer(dressed_circuit.qml), Linear(4 -> 2)

and qlang's layer evaluates the 4-qubit circuit (forward and adjoint backward on the
batched simulator). The data split, the validation hold-out, the initial weights and
the batch order are taken from the model file's own settings, so this script trains
exactly what ``qlang train examples/dressed_circuit.qml`` trains: with the same Adam
(``torch.optim.Adam`` and qlang's ``adam`` are the same update) the test accuracy is
the same. The trained quantum weights are written as a qlang ``weights.json``.

Run (needs the torch extra: ``pip install torch==2.13.0``)::

    python examples/torch_dressed.py [--epochs 15] [--seed 3] [--out runs/torch_dressed]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from qlang.driver import load_model
from qlang.torch import QLayer
from qlang.train.api import context
from qlang.train.build import build_network
from qlang.train.seeding import Seeds
from qlang.train.tasks.common import load_data, validation_split

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(HERE / "dressed_circuit.qml"))
    ap.add_argument("--epochs", type=int, default=None, help="default: the model's")
    ap.add_argument("--seed", type=int, default=None, help="default: the model's (as qlang train)")
    ap.add_argument("--out", default=None, help="folder for the quantum layer's weights.json")
    args = ap.parse_args()
    torch.set_num_threads(1)

    model = load_model(args.model)
    if args.seed is not None:  # as `qlang train --seed`: weights, split, batches, record
        model = replace(model, training=replace(model.training, seed=args.seed))
    t = model.training
    epochs = args.epochs or t.epochs or 1
    seeds = Seeds(t.seed)

    # the model's data: breast_cancer() |> standardize(), test split, validation hold-out
    ctx = context(model)
    ds, _ = load_data(model, ctx)
    parts = validation_split(model, ctx, ds, ds.y_train)
    fit, val = parts if parts is not None else (np.arange(len(ds.X_train)), np.arange(0))
    X, y = torch.tensor(ds.X_train[fit]), torch.tensor(ds.y_train[fit].astype(np.int64))

    # the network: PyTorch layers around the quantum block
    quantum = QLayer(model)
    first, last = torch.nn.Linear(30, 4).double(), torch.nn.Linear(4, 2).double()
    net = torch.nn.Sequential(first, torch.nn.Tanh(), quantum, last)

    # qlang's initial weights for the whole stack (the model file's seed)
    p0 = build_network(model, t, seeds).init(seeds.rng("init"))
    with torch.no_grad():
        tensors = [first.weight, first.bias, quantum.ansatz_w, last.weight, last.bias]
        start = 0
        for tensor in tensors:
            tensor.copy_(torch.tensor(p0[start : start + tensor.numel()]).reshape(tensor.shape))
            start += tensor.numel()

    lr = float(model.optimizer.get("lr", 0.01)) if model.optimizer else 0.01
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    shuffle = seeds.rng("shuffle")
    bs = t.batch_size or len(X)
    began = time.process_time()
    for epoch in range(1, epochs + 1):
        order = shuffle.permutation(len(X))
        losses = []
        for b in range(0, len(X), bs):
            idx = torch.tensor(order[b : b + bs])
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(X[idx]), y[idx])
            loss.backward()
            opt.step()
            losses.append(loss.item())
        with torch.no_grad():
            pred = net(torch.tensor(ds.X_train[val])).argmax(dim=1).numpy()
        acc = float(np.mean(pred == ds.y_train[val])) if len(val) else float("nan")
        print(f"epoch {epoch:3d}  loss {np.mean(losses):.4f}  val_accuracy {acc:.3f}")
    seconds = time.process_time() - began

    with torch.no_grad():  # the test split, once, at the end
        test = net(torch.tensor(ds.X_test)).argmax(dim=1).numpy()
    print(f"test accuracy {np.mean(test == ds.y_test):.3f} ({len(ds.X_test)} samples)")
    print(f"training took {seconds:.1f} s of CPU time")
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        print("quantum weights:", quantum.save_weights(args.out))


if __name__ == "__main__":
    main()
