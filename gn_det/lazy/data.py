"""A LazyConfig's ``dataloader`` nodes, built with gn_det's guarantees.

``dataloader.train`` (detectron2's ``build_detection_train_loader``) becomes a
ResumableTrainLoader with the same datasets, mapper, sampler, batch and workers, so that
``--resume`` continues the data order exactly. ``dataloader.evaluator`` (detectron2's
``COCOEvaluator``) becomes a FastCOCOEvaluator with the same arguments.
"""

import logging
import os
from functools import partial

import detectron2.utils.comm as comm
from detectron2.config import instantiate
from detectron2.data import build_detection_train_loader, get_detection_dataset_dicts
from detectron2.data.samplers import TrainingSampler
from detectron2.evaluation import COCOEvaluator
from detectron2.utils.registry import locate
from omegaconf import DictConfig

from ..data.resumable_loader import ResumableTrainLoader
from ..evaluation.evaluator import FastCOCOEvaluator
from .config import accepted_arguments

logger = logging.getLogger(__name__)

# COCOEvaluator arguments that FastCOCOEvaluator does without (it always computes exact
# pycocotools metrics, for bbox and segm).
_UNUSED_EVALUATOR_ARGS = ("use_fast_impl", "kpt_oks_sigmas")


def target_of(node):
    """The callable a lazy-call node calls (its ``_target_``, located if a dotted name)."""
    target = node.get("_target_") if hasattr(node, "get") else None
    return locate(target) if isinstance(target, str) else target


def dataset_names(loader_node):
    """The dataset names of a ``dataloader.train``/``test`` node (``get_detection_dataset_dicts``
    calls), or [] if they are given another way."""
    dataset = loader_node.get("dataset") if loader_node is not None else None
    if dataset is None or target_of(dataset) is not get_detection_dataset_dicts:
        return []
    names = dataset.get("names")
    return [names] if isinstance(names, str) else list(names or [])


def _stream_factory(sampler_node, size):
    """``seed -> sampler`` for ``dataloader.train.sampler`` (None: TrainingSampler), or None if
    the sampler cannot be seeded (its data order is then not resumable)."""
    if sampler_node is None:
        return partial(TrainingSampler, size)
    if not isinstance(sampler_node, DictConfig) or "_target_" not in sampler_node:
        return None
    accepted = accepted_arguments(sampler_node._target_)
    if accepted is not None and "seed" not in accepted:
        return None

    def make(seed):
        node = sampler_node.copy()
        node.seed = seed
        return instantiate(node)

    return make


def build_lazy_train_loader(cfg):
    """Training batches of ``cfg.dataloader.train``: a ResumableTrainLoader when it is detectron2's
    ``build_detection_train_loader`` over a list of dicts, else the node as it is (logged: its
    data order then restarts on ``--resume``)."""
    node = cfg.dataloader.train
    plain = target_of(node) is build_detection_train_loader and node.get("collate_fn") is None
    dataset = instantiate(node.dataset) if plain else None
    make_stream = None
    if isinstance(dataset, list):
        make_stream = _stream_factory(node.get("sampler"), len(dataset))
    if make_stream is None:
        logger.warning(
            "dataloader.train is not detectron2's build_detection_train_loader over dataset "
            "dicts with a seedable sampler: --resume restarts its data order"
        )
        return instantiate(node)
    seed = cfg.train.seed if cfg.train.seed >= 0 else comm.shared_random_seed()
    total = node.total_batch_size
    return ResumableTrainLoader(
        make_stream,
        dataset,
        instantiate(node.mapper),
        batch_size=total // comm.get_world_size(),
        num_workers=node.get("num_workers", 0),
        grouping=node.get("aspect_ratio_grouping", True),
        seed=seed,
    )


def build_lazy_evaluator(cfg, model):
    """``cfg.dataloader.evaluator``; a COCOEvaluator is computed by FastCOCOEvaluator, with the
    model's tasks (bbox, and segm with a mask head) and files in ``train.output_dir/inference``
    unless the node sets them."""
    node = cfg.dataloader.evaluator
    if target_of(node) not in (COCOEvaluator, FastCOCOEvaluator):
        return instantiate(node)
    args = {k: node[k] for k in node if k != "_target_" and k not in _UNUSED_EVALUATOR_ARGS}
    args = {k: instantiate(v) for k, v in args.items()}
    module = getattr(model, "module", model)
    mask_on = getattr(getattr(module, "roi_heads", None), "mask_on", False)
    args.setdefault("tasks", ("bbox", "segm") if mask_on else ("bbox",))
    args.setdefault("output_dir", os.path.join(cfg.train.output_dir, "inference"))
    return FastCOCOEvaluator(**args)
