"""Endless, seeded, resumable training batches from in-memory image tensors."""

import torch


def stream_indices(n, seed, position, count):
    """``count`` indices into ``n`` items from ``position`` of an endless stream of epochs,
    each a permutation seeded by ``seed + epoch``: a function of its arguments only."""
    out, taken = [], 0
    while taken < count:
        epoch, offset = divmod(position + taken, n)
        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch))
        out.append(order[offset : offset + count - taken])
        taken += len(out[-1])
    return torch.cat(out)


class ShuffledBatches:
    """Batches of ``{"images", "labels"}`` over epochs of seeded permutations, with random
    horizontal flips. The batch at iteration ``i`` depends only on (seed, i), so a resumed
    run sees the same data as an uninterrupted one. ``start_iter`` is called at the first
    ``next()``, when a resumed trainer knows its iteration."""

    def __init__(self, images, labels, batch_size, seed, start_iter=lambda: 0):
        self.images = torch.as_tensor(images)
        self.labels = torch.as_tensor(labels)
        self.batch_size = batch_size
        self.seed = seed
        self.start_iter = start_iter

    def batch(self, iteration):
        """The training batch of ``iteration``."""
        position = iteration * self.batch_size
        idx = stream_indices(len(self.labels), self.seed, position, self.batch_size)
        images = self.images[idx].clone()
        flip = torch.rand(len(idx), generator=torch.Generator().manual_seed(self.seed + iteration))
        images[flip < 0.5] = images[flip < 0.5].flip(-1)
        return {"images": images, "labels": self.labels[idx]}

    def __iter__(self):
        iteration = self.start_iter()
        while True:
            yield self.batch(iteration)
            iteration += 1
