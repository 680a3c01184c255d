"""FastCOCOEvaluator: detectron2's evaluator interface, pycocotools' numbers, gathered runs."""

import json
import os

import numpy as np
import pycocotools.mask as mask_util
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from detectron2.data import DatasetCatalog
from detectron2.structures import Boxes, Instances

from gn_det.engine.launch import end_process_group
from gn_det.evaluation.evaluator import FastCOCOEvaluator, build_coco_evaluator
from gn_det.evaluation.metrics_file import read_metrics

from ..conftest import tiny_cfg
from .reference import pycocotools_eval

STATS6 = ("AP", "AP50", "AP75", "APs", "APm", "APl")


def model_outputs(records, noisy):
    """(inputs, outputs) pairs as a model gives them: the GT, or the GT shifted plus a miss."""
    pairs = []
    for rec in records:
        rng = np.random.default_rng(rec["image_id"])
        anns = rec["annotations"]
        h, w = rec["height"], rec["width"]
        boxes = torch.tensor([a["bbox"] for a in anns], dtype=torch.float32)
        boxes[:, 2:] += boxes[:, :2]  # XYWH -> XYXY
        masks = np.stack([mask_util.decode(a["segmentation"]) for a in anns])
        classes = [a["category_id"] for a in anns]
        if noisy:
            shift = rng.integers(-3, 4, (len(anns), 2))
            boxes += torch.tensor(np.hstack([shift, shift]), dtype=torch.float32)
            masks = np.stack([np.roll(m, tuple(s), axis=(1, 0)) for m, s in zip(masks, shift)])
            boxes = torch.cat([boxes, torch.tensor([[0.0, 0.0, 20.0, 20.0]])])
            masks = np.concatenate([masks, np.ones((1, h, w), np.uint8)])
            classes.append(0)
        inst = Instances((h, w))
        inst.pred_boxes = Boxes(boxes)
        inst.scores = torch.tensor(rng.uniform(0.05, 1, len(boxes)), dtype=torch.float32)
        inst.pred_classes = torch.tensor(classes)
        inst.pred_masks = torch.from_numpy(masks).bool()
        pairs.append(({"image_id": rec["image_id"], "height": h, "width": w}, inst))
    return pairs


def run(evaluator, pairs):
    evaluator.reset()
    for inputs, instances in pairs:
        evaluator.process([inputs], [{"instances": instances}])
    return evaluator.evaluate()


@pytest.fixture(scope="module")
def val(small_shapes):
    name, json_file, image_root = small_shapes["val"]
    return name, json_file, image_root, DatasetCatalog.get(name)  # sets the id mapping


def test_perfect_predictions_score_100_and_files_are_written(val, tmp_path):
    name, _, _, records = val
    evaluator = FastCOCOEvaluator(name, tasks=("bbox", "segm"), output_dir=str(tmp_path))
    results = run(evaluator, model_outputs(records, noisy=False))
    for task in ("bbox", "segm"):
        assert results[task]["AP"] == pytest.approx(100.0)
        assert results[task]["AP-circle"] == pytest.approx(100.0)
    combined = json.loads((tmp_path / "coco_instances_results.json").read_text())
    assert set(combined[0]) == {"image_id", "category_id", "bbox", "score", "segmentation"}
    assert {r["category_id"] for r in combined} <= {1, 2, 3, 4, 5}  # dataset ids, not 0-based
    for task, field in (("bbox", "bbox"), ("segm", "segmentation")):
        server = json.loads((tmp_path / f"coco_{task}_results.json").read_text())
        assert len(server) == len(combined)
        assert set(server[0]) == {"image_id", "category_id", field, "score"}
    metrics = read_metrics(tmp_path / "coco_metrics.json")
    assert metrics["dataset"] == name
    assert metrics["segm"]["stats"]["AP"] == pytest.approx(100.0)
    assert metrics["bbox"]["per_category_AP"]["star"] == pytest.approx(100.0)


def test_results_equal_pycocotools_on_the_written_results(val, tmp_path):
    name, json_file, _, records = val
    evaluator = FastCOCOEvaluator(name, tasks=("bbox", "segm"), output_dir=str(tmp_path))
    results = run(evaluator, model_outputs(records, noisy=True))
    written = json.loads((tmp_path / "coco_instances_results.json").read_text())
    gt = json.loads(open(json_file).read())
    for task in ("bbox", "segm"):
        ref = pycocotools_eval(gt, written, task)
        np.testing.assert_allclose(evaluator.metrics[task].stats, ref.stats, rtol=0, atol=1e-9)
        for i, key in enumerate(STATS6):
            expected = ref.stats[i] * 100 if ref.stats[i] >= 0 else float("nan")
            np.testing.assert_allclose(results[task][key], expected, rtol=0, atol=1e-7)
        assert 10 < results[task]["AP"] < 100


def test_no_predictions_give_zeros_not_nan(val):
    name, _, _, records = val
    evaluator = FastCOCOEvaluator(name, tasks=("bbox", "segm"))
    empty = [(inputs, inst[:0]) for inputs, inst in model_outputs(records[:3], noisy=False)]
    results = run(evaluator, empty)
    assert results["bbox"]["AP"] == 0.0 and results["segm"]["AP50"] == 0.0


def test_unsupported_task_is_refused(val):
    with pytest.raises(ValueError, match="not \\['keypoints'\\]"):
        FastCOCOEvaluator(val[0], tasks=("bbox", "keypoints"))


def test_build_coco_evaluator_uses_the_config(val, tmp_path):
    name = val[0]
    cfg = tiny_cfg("OUTPUT_DIR", tmp_path, "DATASETS.TEST", f"('{name}',)")
    evaluator = build_coco_evaluator(cfg, name)
    assert isinstance(evaluator, FastCOCOEvaluator)
    assert evaluator._tasks == ("bbox", "segm")
    assert evaluator._output_dir == os.path.join(tmp_path, "inference")
    cfg = tiny_cfg("MODEL.MASK_ON", False, "DATASETS.TEST", f"('{name}', 'shapes_val')")
    evaluator = build_coco_evaluator(cfg, name)
    assert evaluator._tasks == ("bbox",)
    assert evaluator._output_dir.endswith(os.path.join("inference", name))


def _gather_worker(rank, init_file, name, json_file, image_root, out_dir):
    from gn_det.data import register_coco_format

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=2)
    try:
        register_coco_format(name, json_file, image_root)
        pairs = model_outputs(DatasetCatalog.get(name), noisy=True)[rank::2]
        evaluator = FastCOCOEvaluator(name, tasks=("bbox", "segm"), output_dir=out_dir)
        results = run(evaluator, pairs)
        with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
            json.dump(results, f)
    finally:
        end_process_group()


def test_distributed_results_are_gathered_on_the_main_process(val, tmp_path):
    name, json_file, image_root, records = val
    single = run(FastCOCOEvaluator(name, tasks=("bbox", "segm")), model_outputs(records, True))
    args = (str(tmp_path / "init"), name, json_file, image_root, str(tmp_path))
    mp.spawn(_gather_worker, args=args, nprocs=2)
    assert json.loads((tmp_path / "rank1.json").read_text()) == {}
    gathered = json.loads((tmp_path / "rank0.json").read_text())
    for task in ("bbox", "segm"):
        assert gathered[task] == pytest.approx(single[task], abs=1e-9, nan_ok=True)
    written = json.loads((tmp_path / "coco_instances_results.json").read_text())
    assert len({r["image_id"] for r in written}) == len(records)  # both halves
