"""LazyTrainer: the YAML Trainer's training and guarantees for a LazyConfig."""

import pytest
import torch
from detectron2.engine import SimpleTrainer
from detectron2.utils.env import seed_all_rng

from gn_det.data.resumable_loader import ResumableTrainLoader
from gn_det.engine.divergence import DivergenceError, DivergenceGuard
from gn_det.engine.trainer import Trainer
from gn_det.lazy.config import apply_overrides, load_lazy_config
from gn_det.lazy.trainer import LazyTrainer, recovery_hints

from ..conftest import REPO, tiny_cfg
from ..engine.test_divergence import Diverging

SHAPES = str(REPO / "configs" / "Shapes" / "mask_rcnn_R_18_FPN_tiny.py")


def shapes_lazy_cfg(small_shapes, out, *overrides):
    cfg = load_lazy_config(SHAPES)
    cfg.dataloader.train.dataset.names = small_shapes["train"][0]
    cfg.dataloader.test.dataset.names = small_shapes["val"][0]
    cfg.train.output_dir = str(out)
    return apply_overrides(cfg, overrides)


def test_lazy_trainer_trains_exactly_as_the_yaml_trainer(small_shapes, tmp_path):
    """The Shapes LazyConfig and its YAML twin, same settings and seed: the same weights after
    two iterations of random-size batches (same model, data order, augmentation, schedule)."""
    yaml_cfg = tiny_cfg(
        "DATASETS.TRAIN", f"('{small_shapes['train'][0]}',)", "DATASETS.TEST", "()",
        "SOLVER.IMS_PER_BATCH", 2, "SOLVER.MAX_ITER", 2, "SOLVER.STEPS", "()",
        "SOLVER.WARMUP_ITERS", 1, "INPUT.MIN_SIZE_TRAIN", "(64, 80)", "INPUT.MAX_SIZE_TRAIN", 80,
        "DATALOADER.NUM_WORKERS", 0, "OUTPUT_DIR", tmp_path / "yaml",
    )  # fmt: skip
    lazy_cfg = shapes_lazy_cfg(
        small_shapes, tmp_path / "lazy", "dataloader.train.total_batch_size=2",
        "train.max_iter=2", "lr_multiplier.scheduler.values=[1.0]",
        "lr_multiplier.scheduler.milestones=[]", "lr_multiplier.warmup_length=0.5",
        "dataloader.train.mapper.augmentations.0.short_edge_length=[64,80]",
        "dataloader.train.mapper.augmentations.0.max_size=80", "dataloader.train.num_workers=0",
    )  # fmt: skip
    del lazy_cfg.dataloader["test"]  # no evaluation, as DATASETS.TEST ()
    seed_all_rng(42)
    yaml = Trainer(yaml_cfg)
    yaml.resume_or_load(resume=False)
    yaml.train()
    seed_all_rng(42)
    lazy = LazyTrainer(lazy_cfg)
    lazy.resume_or_load(resume=False)
    assert isinstance(lazy.trainer.data_loader, ResumableTrainLoader)
    lazy.train()
    ours, theirs = yaml.model.state_dict(), lazy.model.state_dict()
    assert ours.keys() == theirs.keys()
    assert [k for k in ours if not torch.equal(ours[k], theirs[k])] == []
    assert not torch.equal(ours["backbone.fpn_output2.norm.weight"], torch.ones(64))  # it trained
    assert (tmp_path / "lazy" / "model_final.pth").is_file()


def test_divergence_names_the_lazy_settings(small_shapes, tmp_path):
    cfg = shapes_lazy_cfg(small_shapes, tmp_path)
    model = Diverging(good=2, how="nan")
    trainer = SimpleTrainer(
        model, iter(lambda: [{}], None), torch.optim.SGD(model.parameters(), 0.1)
    )
    trainer.register_hooks([DivergenceGuard(recovery_hints(cfg))])
    with pytest.raises(DivergenceError) as info:
        trainer.train(0, 10)
    assert str(info.value) == (
        "training diverged at iteration 2: non-finite loss (loss_cls=nan, loss_box=0.6). Lower "
        "optimizer.lr (now 0.02, lr 0.1 at this iteration) or lengthen the warm-up "
        f"(lr_multiplier.warmup_length={100 / 950}); no checkpoint from before the divergence "
        "was written (train.checkpointer.period=250)"
    )
