"""The classifier is the detection config's ResNet: same keys, same norm."""

import pytest
import torch
from detectron2.layers import FrozenBatchNorm2d
from detectron2.modeling import build_model
from torch import nn

from gn_det.classification import ResNetClassifier
from gn_det.modeling import NormConfigError, WSConv2d

from ..conftest import tiny_cfg


def test_backbone_keys_are_the_detection_backbone_keys():
    cfg = tiny_cfg()
    classifier = ResNetClassifier(cfg, 5)
    detector = build_model(cfg)
    theirs = {k for k in detector.backbone.bottom_up.state_dict()}
    assert set(classifier.backbone.state_dict()) == theirs
    assert all(isinstance(m.norm, nn.GroupNorm) for m in classifier.backbone.modules()
               if hasattr(m, "norm") and m.norm is not None)  # fmt: skip


def test_bn_classifier_trains_bn_and_nothing_is_frozen():
    classifier = ResNetClassifier(
        tiny_cfg("MODEL.NORM.TYPE", "BN", "MODEL.BACKBONE.FREEZE_AT", 2), 5
    )
    assert any(isinstance(m, nn.BatchNorm2d) for m in classifier.modules())
    assert not any(isinstance(m, FrozenBatchNorm2d) for m in classifier.modules())
    assert all(p.requires_grad for p in classifier.parameters())


def test_forward_gives_loss_in_training_and_logits_in_eval():
    classifier = ResNetClassifier(tiny_cfg(), 5)
    batch = {"images": torch.randint(0, 255, (4, 3, 32, 32), dtype=torch.uint8),
             "labels": torch.tensor([0, 1, 2, 3])}  # fmt: skip
    loss = classifier(batch)["loss_cls"]
    assert torch.isfinite(loss)
    loss.backward()
    classifier.eval()
    assert classifier(batch).shape == (4, 5)


def test_frozen_bn_cannot_be_pretrained():
    with pytest.raises(NormConfigError, match="pretrain with BN"):
        ResNetClassifier(tiny_cfg("MODEL.NORM.TYPE", "FrozenBN"), 5)


def test_gn_ws_classifier_standardizes_every_normalized_conv():
    """GN+WS pretraining trains with Weight Standardization, not plain GN (the sweep's GN+WS
    cells once trained exactly the GN runs)."""
    classifier = ResNetClassifier(tiny_cfg("MODEL.NORM.WS", True), 5)
    normed = [m for m in classifier.backbone.modules() if getattr(m, "norm", None) is not None]
    assert normed and all(isinstance(m, WSConv2d) for m in normed)
    plain = ResNetClassifier(tiny_cfg(), 5)
    assert not any(isinstance(m, WSConv2d) for m in plain.modules())
