"""Tiny models and inputs shared by the speed tests."""

import torch
from detectron2.modeling import build_model

from gn_det.benchmark.calibrate import calibrate_frozen_bn
from gn_det.benchmark.synthetic import synthetic_inputs

from ...conftest import tiny_cfg

SIZE = 64


def inputs(num=2, seed=0):
    """(training inputs, test inputs) of ``num`` synthetic 64x64 images with 5 classes."""
    train = synthetic_inputs(num, SIZE, SIZE, 5, seed=seed)
    return train, [{k: v for k, v in d.items() if k != "instances"} for d in train]


def build(*opts, state=None):
    """A tiny model (64 px) with ``KEY VALUE`` options, loaded from ``state`` if given."""
    cfg = tiny_cfg(
        "INPUT.MIN_SIZE_TEST",
        SIZE,
        "INPUT.MAX_SIZE_TEST",
        SIZE,
        "MODEL.ROI_HEADS.SCORE_THRESH_TEST",
        0.0,
        *opts,
    )
    torch.manual_seed(0)
    model = build_model(cfg)
    if state is not None:
        model.load_state_dict(state)
    return model


def calibrated(*opts):
    """A tiny model whose FrozenBN layers (if any) are calibrated on the test inputs."""
    model = build(*opts)
    calibrate_frozen_bn(model, [inputs()[1]])
    return model


@torch.no_grad()
def predict(model, test_inputs):
    """Boxes and scores of the top detections of each image, sorted by score."""
    model.eval()
    out = []
    for result in model(test_inputs):
        inst = result["instances"]
        out.append((inst.pred_boxes.tensor, inst.scores, inst.pred_classes))
    return out


def assert_same_predictions(a, b, atol):
    for (boxes_a, scores_a, cls_a), (boxes_b, scores_b, cls_b) in zip(a, b, strict=True):
        torch.testing.assert_close(scores_a, scores_b, atol=atol, rtol=0)
        torch.testing.assert_close(boxes_a, boxes_b, atol=atol * 100, rtol=0)
        assert torch.equal(cls_a, cls_b)
