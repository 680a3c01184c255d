"""detectron2's training batches, startable at any iteration with the same data and augmentation.

detectron2 v0.6 draws an infinite seeded index stream (``TrainingSampler``), groups it into
batches by aspect ratio, and augments with the global random state of whichever process maps
the image. Resuming it restarts the stream at iteration 0. Here the stream is the same
detectron2 sampler, grouped at index level (same batches as ``AspectRatioGroupedDataset``),
started at batch ``start_batch``, and each image is augmented with the random state seeded by
(seed, rank, position in the stream), so batch N is the same whether the run was resumed or
not, whatever ``DATALOADER.NUM_WORKERS`` is. Data-loading workers map whole batches, each
worker up to two batches ahead of training, so a batch is ready when the step before it ends
(mapping image by image kept only two images ready, and a step of four waited for the rest).
"""

import itertools
import operator
import threading
from functools import partial

import detectron2.utils.comm as comm
import numpy as np
import torch
import torch.utils.data as torchdata
from detectron2.data import build_detection_train_loader
from detectron2.data.build import worker_init_reset_seed
from detectron2.data.common import DatasetFromList, MapDataset, ToIterableDataset
from detectron2.data.samplers import (
    RandomSubsetTrainingSampler,
    RepeatFactorTrainingSampler,
    TrainingSampler,
)

from ..utils.rng import seeded_rng
from .image_guard import GuardedMapper, raise_bad_images

SAMPLERS = ("TrainingSampler", "RepeatFactorTrainingSampler", "RandomSubsetTrainingSampler")


def stream_sampler_factory(cfg, dataset_dicts):
    """``seed -> sampler``: detectron2's ``DATALOADER.SAMPLER_TRAIN`` over ``dataset_dicts``,
    this process's share of an infinite seeded index stream. Repeat factors are computed now,
    so the dicts need not be kept."""
    name, size = cfg.DATALOADER.SAMPLER_TRAIN, len(dataset_dicts)
    if name == "TrainingSampler":
        return partial(TrainingSampler, size)
    if name == "RepeatFactorTrainingSampler":
        factors = RepeatFactorTrainingSampler.repeat_factors_from_category_frequency(
            dataset_dicts, cfg.DATALOADER.REPEAT_THRESHOLD
        )
        return partial(RepeatFactorTrainingSampler, factors)
    if name == "RandomSubsetTrainingSampler":
        ratio = cfg.DATALOADER.RANDOM_SUBSET_RATIO
        return lambda seed: RandomSubsetTrainingSampler(
            size, ratio, seed_shuffle=seed, seed_subset=seed
        )
    raise ValueError(f"DATALOADER.SAMPLER_TRAIN={name!r} is not one of {SAMPLERS}")


def aspect_groups(dataset_dicts, grouping):
    """Bucket of each image as AspectRatioGroupedDataset picks it (0: w > h, 1: otherwise);
    all 0 without grouping."""
    if not grouping:
        return np.zeros(len(dataset_dicts), np.uint8)
    return np.array([0 if d["width"] > d["height"] else 1 for d in dataset_dicts], np.uint8)


def grouped_batches(indices, groups, batch_size):
    """Batches of ``indices`` in the order aspect-ratio grouping emits them."""
    buckets = {}
    for index in indices:
        bucket = buckets.setdefault(groups[index], [])
        bucket.append(index)
        if len(bucket) == batch_size:
            yield list(bucket)
            bucket.clear()


class BatchOrderSampler(torchdata.Sampler):
    """Batches of ``stream`` as lists of (position, index) pairs, from batch ``start_batch``
    on; ``position`` counts images in the stream of batches."""

    def __init__(self, stream, groups, batch_size, start_batch=0):
        self.stream, self.groups = stream, groups
        self.batch_size, self.start_batch = batch_size, start_batch

    def __iter__(self):
        batches = grouped_batches(iter(self.stream), self.groups, self.batch_size)
        position = self.start_batch * self.batch_size
        for batch in itertools.islice(batches, self.start_batch, None):
            yield [(position + i, index) for i, index in enumerate(batch)]
            position += len(batch)


class SeededMapDataset(torchdata.Dataset):
    """``dataset[(position, index)]`` is ``dataset[index]`` computed with the random state
    seeded by (seed, rank, position): the same augmentation in any process, resumed or not.
    A list of such pairs gives the list of their items (a batch, mapped by one worker)."""

    def __init__(self, dataset, seed, rank):
        self.dataset, self.seed, self.rank = dataset, seed, rank

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, key):
        if isinstance(key, list):
            return [self[k] for k in key]
        position, index = key
        seed = np.random.SeedSequence([self.seed, self.rank, position]).generate_state(1)[0]
        with seeded_rng(int(seed)):
            return self.dataset[index]


class ResumableTrainLoader:
    """Lists of mapped training dicts (one list per iteration and process), like detectron2's
    training loader. The DataLoader and its workers are made on the first ``next``, so
    ``start_batch`` and ``seed`` may be set after the trainer is built (from a checkpoint)."""

    def __init__(self, make_stream, dataset_dicts, mapper, batch_size, num_workers, grouping, seed):
        """``make_stream``: ``seed -> sampler``, this process's infinite index stream."""
        self.make_stream = make_stream
        self.groups = aspect_groups(dataset_dicts, grouping)
        self.dataset = MapDataset(DatasetFromList(dataset_dicts, copy=False), mapper)
        self.batch_size, self.num_workers = batch_size, num_workers
        self.seed, self.start_batch = seed, 0
        self.batches = None  # the DataLoader's iterator, once iteration starts

    def __iter__(self):
        stream = self.make_stream(seed=self.seed)
        sampler = BatchOrderSampler(stream, self.groups, self.batch_size, self.start_batch)
        mapped = SeededMapDataset(self.dataset, self.seed, comm.get_rank())
        loader = torchdata.DataLoader(
            ToIterableDataset(mapped, sampler),
            num_workers=self.num_workers,
            collate_fn=operator.itemgetter(0),
            worker_init_fn=worker_init,
            generator=torch.Generator(),  # leaves the global random state untouched
        )
        self.batches = iter(loader)  # held past an ImageError: see raise_bad_images
        yield from raise_bad_images(self.batches)


def build_resumable_train_loader(cfg):
    """A ResumableTrainLoader with the datasets, mapper, batch and workers of detectron2's
    ``build_detection_train_loader(cfg)``; the seed is ``cfg.SEED`` or one shared by all ranks.
    An image that cannot be read stops training with one ImageError (see image_guard)."""
    # sampler=False: detectron2 builds no sampler of its own; the stream is built per start.
    args = build_detection_train_loader.from_config(cfg, sampler=False)
    seed = cfg.SEED if cfg.SEED >= 0 else comm.shared_random_seed()
    return ResumableTrainLoader(
        stream_sampler_factory(cfg, args["dataset"]),
        args["dataset"],
        GuardedMapper(args["mapper"], cfg.DATASETS.TRAIN),
        batch_size=args["total_batch_size"] // comm.get_world_size(),
        num_workers=args["num_workers"],
        grouping=args["aspect_ratio_grouping"],
        seed=seed,
    )


def quiet_when_consumer_leaves(args):
    """``threading.excepthook`` of a data worker: its file-descriptor sharing thread loses
    the connection when the training process exits mid-transfer (e.g. after a bad image's
    error line); that is not an error to print. Any other exception is reported."""
    if issubclass(args.exc_type, (ConnectionResetError, BrokenPipeError)):
        return
    threading.__excepthook__(args)


def worker_init(worker_id):
    """Each data worker: detectron2's per-worker seed, and quiet on its consumer's exit."""
    worker_init_reset_seed(worker_id)
    threading.excepthook = quiet_when_consumer_leaves
