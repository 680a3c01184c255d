"""Training batches are seeded per iteration, so a resumed run sees the same data."""

import torch

from gn_det.classification.batches import ShuffledBatches


def batches(start=0):
    images = torch.arange(10 * 3 * 2 * 2, dtype=torch.uint8).view(10, 3, 2, 2)
    return ShuffledBatches(images, torch.arange(10), 4, seed=7, start_iter=lambda: start)


def test_each_epoch_sees_every_image_once():
    b = batches()
    seen = torch.cat([b.batch(i)["labels"] for i in range(5)])  # 20 = two epochs of 10
    assert sorted(seen[:10].tolist()) == list(range(10))
    assert sorted(seen[10:].tolist()) == list(range(10))


def test_resumed_iteration_gives_the_same_batches():
    full = iter(batches())
    expected = [next(full) for _ in range(6)]
    resumed = iter(batches(start=3))
    for want in expected[3:]:
        got = next(resumed)
        assert torch.equal(got["images"], want["images"])
        assert torch.equal(got["labels"], want["labels"])


def test_flips_change_images_but_not_labels():
    b = batches()
    flipped = [b.batch(i) for i in range(10)]
    originals = b.images
    changed = any(
        not torch.equal(img, originals[label]) for f in flipped
        for img, label in zip(f["images"], f["labels"])
    )  # fmt: skip
    assert changed
    for f in flipped:
        for img, label in zip(f["images"], f["labels"]):
            assert torch.equal(img, originals[label]) or torch.equal(img, originals[label].flip(-1))
