"""Random resized crops and flips, a function of (seed, iteration): resumable, any workers."""

import itertools

import numpy as np
import torch

from gn_det.distillation.batches import CropBatches, iteration_loader, random_resized_crop

from .folders import write_folder


def test_crops_have_the_size_and_flips_happen():
    img = np.tile(np.arange(40, dtype=np.uint8)[None, :, None], (30, 1, 3))  # rising left->right
    rng = np.random.default_rng(0)
    crops = [random_resized_crop(img, 8, rng) for _ in range(20)]
    assert all(c.shape == (3, 8, 8) for c in crops)
    rising = [int(c[0, 0, -1]) > int(c[0, 0, 0]) for c in crops]
    assert any(rising) and not all(rising)


def test_batches_depend_on_seed_and_iteration_only(tmp_path):
    files = sorted(map(str, write_folder(tmp_path / "images").rglob("*.png")))
    batches = CropBatches(files, 2, 16, seed=3)
    first = batches[4]["images"]
    assert first.shape == (2, 3, 16, 16) and first.dtype == torch.uint8
    assert torch.equal(CropBatches(files, 2, 16, seed=3)[4]["images"], first)
    assert not torch.equal(batches[5]["images"], first)
    assert not torch.equal(CropBatches(files, 2, 16, seed=4)[4]["images"], first)


def test_loader_starts_at_the_resumed_iteration_with_or_without_workers(tmp_path):
    files = sorted(map(str, write_folder(tmp_path / "images").rglob("*.png")))
    batches = CropBatches(files, 2, 16, seed=3)
    start = {"iter": 0}
    loader = iteration_loader(batches, lambda: start["iter"], num_workers=1)
    start["iter"] = 3  # known only when training starts, after the loader was made
    got = [b["images"] for b in itertools.islice(loader, 2)]
    assert torch.equal(got[0], batches[3]["images"]) and torch.equal(got[1], batches[4]["images"])
