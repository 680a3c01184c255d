"""A LazyConfig's dataloader nodes with gn_det's guarantees: a resumable training loader,
FastCOCOEvaluator for COCOEvaluator."""

import itertools

from gn_det.data.resumable_loader import ResumableTrainLoader
from gn_det.evaluation.evaluator import FastCOCOEvaluator
from gn_det.lazy.data import build_lazy_evaluator, build_lazy_train_loader
from gn_det.lazy.preflight import build_lazy_meta_model

from .test_trainer import shapes_lazy_cfg


def test_a_config_evaluator_is_computed_by_fast_coco_eval(small_shapes, tmp_path):
    cfg = shapes_lazy_cfg(small_shapes, tmp_path)
    assert cfg.dataloader.evaluator._target_.__name__ == "COCOEvaluator"  # detectron2's node
    evaluator = build_lazy_evaluator(cfg, build_lazy_meta_model(cfg))
    assert isinstance(evaluator, FastCOCOEvaluator)
    assert evaluator.tasks == ("bbox", "segm")
    assert evaluator.output_dir == str(tmp_path / "inference")
    cfg = shapes_lazy_cfg(small_shapes, tmp_path, "dataloader.evaluator.tasks=[bbox]",
                          "dataloader.evaluator.output_dir=null")  # fmt: skip
    evaluator = build_lazy_evaluator(cfg, build_lazy_meta_model(cfg))
    assert list(evaluator.tasks) == ["bbox"]
    assert evaluator.output_dir is None


def test_seedable_samplers_resume_others_are_built_as_they_are(small_shapes, tmp_path, caplog):
    cfg = shapes_lazy_cfg(small_shapes, tmp_path)
    cfg.dataloader.train.sampler = {"_target_": "detectron2.data.samplers.TrainingSampler",
                                    "size": 24, "shuffle": False}  # fmt: skip
    loader = build_lazy_train_loader(cfg)
    assert isinstance(loader, ResumableTrainLoader)
    stream = loader.make_stream(seed=5)  # the config's sampler, seeded by the loader
    assert stream._seed == 5 and list(itertools.islice(iter(stream), 3)) == [0, 1, 2]
    cfg.dataloader.train.sampler = {"_target_": "detectron2.data.samplers.InferenceSampler",
                                    "size": 24}  # fmt: skip
    assert not isinstance(build_lazy_train_loader(cfg), ResumableTrainLoader)
    assert "--resume restarts its data order" in caplog.text
