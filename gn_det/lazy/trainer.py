"""``LazyTrainer``: the training of detectron2's tools/lazyconfig_train_net.py (SimpleTrainer or
AMPTrainer, the same hooks) with the guarantees of gn_det's YAML ``Trainer``: code-free and
crash-safe checkpoints, exact resume, a stop on divergence and FastCOCOEvaluator."""

import logging

import detectron2.utils.comm as comm
from detectron2.config import instantiate
from detectron2.engine import AMPTrainer, SimpleTrainer, default_writers, hooks
from detectron2.engine.defaults import create_ddp_model
from detectron2.evaluation import inference_on_dataset, print_csv_format
from omegaconf import OmegaConf

from ..checkpoint.checkpointer import GNDetCheckpointer
from ..engine.divergence import RecoveryHints
from ..engine.keys import LAZY_KEYS
from ..engine.trainer import guarded_hooks, summarize
from ..modeling.convert_norm import cpu_sync_batchnorm
from .data import build_lazy_evaluator, build_lazy_train_loader, dataset_names

logger = logging.getLogger("gn_det")


def build_lazy_model(cfg):
    """``cfg.model`` on ``train.device``; in CPU processes SyncBN all-reduces over gloo."""
    model = instantiate(cfg.model)
    model.to(cfg.train.device)
    if cfg.train.device == "cpu" and comm.get_world_size() > 1:
        n = cpu_sync_batchnorm(model)
        if n:
            logger.info(f"{n} SyncBN layers all-reduce with NaiveSyncBatchNorm over gloo")
    logging.getLogger("detectron2").info(f"Model:\n{model}")
    return model


def lazy_checkpointer(model, cfg, **checkpointables):
    """A GNDetCheckpointer saving to ``train.output_dir``, loading as ``train`` says."""
    allow = cfg.train.allow_missing_backbone_weights
    return GNDetCheckpointer(
        model, cfg.train.output_dir, allow_missing_backbone=allow, **checkpointables
    )


def evaluate_lazy(cfg, model):
    """Evaluate ``model`` on ``dataloader.test`` with ``dataloader.evaluator`` and log the AP line;
    {} when the config has neither."""
    if "test" not in cfg.dataloader or "evaluator" not in cfg.dataloader:
        return {}
    evaluator = build_lazy_evaluator(cfg, model)
    results = inference_on_dataset(model, instantiate(cfg.dataloader.test), evaluator)
    if comm.is_main_process() and results:
        print_csv_format(results)
    names = dataset_names(cfg.dataloader.test) or ["dataloader.test"]
    summarize(["+".join(names)], results)
    return results


def recovery_hints(cfg):
    """What a divergence message tells a LazyConfig user to change."""
    return RecoveryHints(
        LAZY_KEYS,
        cfg.train.output_dir,
        OmegaConf.select(cfg, LAZY_KEYS.base_lr, default=None),
        OmegaConf.select(cfg, LAZY_KEYS.warmup, default=None),
        cfg.train.checkpointer.period,
    )


class LazyTrainer:
    """Trains ``cfg`` (a LazyConfig as detectron2's lazyconfig_train_net.py reads it):
    ``resume_or_load(resume)``, then ``train()``; the last evaluation's results are kept."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.model = build_lazy_model(cfg)
        cfg.optimizer.params.model = self.model
        optimizer = instantiate(cfg.optimizer)
        loader = build_lazy_train_loader(cfg)
        ddp_model = create_ddp_model(self.model, **cfg.train.get("ddp", {}))
        amp = OmegaConf.select(cfg, "train.amp.enabled", default=False)
        trainer_class = AMPTrainer if amp else SimpleTrainer
        self.trainer = trainer_class(ddp_model, loader, optimizer)
        self.checkpointer = lazy_checkpointer(self.model, cfg, trainer=self.trainer)
        self.last_eval_results = None
        self.start_iter = 0
        main = comm.is_main_process()
        train = cfg.train
        stock = [
            hooks.IterationTimer(),
            hooks.LRScheduler(scheduler=instantiate(cfg.lr_multiplier)),
            hooks.PeriodicCheckpointer(self.checkpointer, **train.checkpointer) if main else None,
            hooks.EvalHook(train.get("eval_period", 0), self.test),
            hooks.PeriodicWriter(
                default_writers(train.output_dir, train.max_iter),
                period=train.get("log_period", 20),
            )
            if main
            else None,
        ]
        hints = recovery_hints(cfg)
        period = train.checkpointer.period
        self.trainer.register_hooks(guarded_hooks(stock, loader, period, hints))

    def resume_or_load(self, resume):
        """Load ``train.init_checkpoint``, or with ``resume`` the last checkpoint of the output
        folder if there is one (training then continues after its iteration)."""
        self.checkpointer.resume_or_load(self.cfg.train.init_checkpoint, resume=resume)
        if resume and self.checkpointer.has_checkpoint():
            self.start_iter = self.trainer.iter + 1

    def train(self):
        """Train to ``train.max_iter``; the results of the last evaluation (None if none ran)."""
        self.trainer.train(self.start_iter, self.cfg.train.max_iter)
        return self.last_eval_results

    def test(self):
        """Evaluate the model now (the EvalHook calls this)."""
        self.last_eval_results = evaluate_lazy(self.cfg, self.model)
        return self.last_eval_results
