"""Loading MODEL.WEIGHTS is verified: a per-part table, norm checks, missing backbone keys."""

import pickle

import pytest
import torch
from detectron2.modeling import build_model
from detectron2.solver import build_optimizer
from torch import nn

from gn_det.checkpoint import GNDetCheckpointer, detectron2_weights
from gn_det.checkpoint.load_report import MissingWeightsError
from gn_det.checkpoint.norm_match import NormMismatchError
from gn_det.pretrained import convert_resnet

from ..conftest import tiny_cfg
from ..pretrained.resnets import torchvision_resnet


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    """Converted torchvision ResNet-18 weights, GN (32 groups) and BN, as detectron2 .pkl."""
    out = {}
    for norm in ("GN", "BN"):
        source = torchvision_resnet(18, norm=norm)
        state = {k: v.numpy() for k, v in source.state_dict().items()}
        weights, meta_norm, meta = convert_resnet(state, "torchvision", input_format="BGR")
        path = tmp_path_factory.mktemp("weights") / f"r18_{norm}.pkl"
        path.write_bytes(pickle.dumps(detectron2_weights(weights, "test", norm=meta_norm)))
        out[norm] = (str(path), weights)
    return out


def load(path, *opts, allow=False):
    cfg = tiny_cfg("MODEL.WEIGHTS", path, *opts)
    model = build_model(cfg)
    checkpointer = GNDetCheckpointer(model, allow_missing_backbone=allow)
    checkpointer.load(path)
    return cfg, model, checkpointer.last_load_report


def test_gn_weights_load_into_gn_model_with_their_values(pretrained):
    path, weights = pretrained["GN"]
    _, model, report = load(path)
    state = model.state_dict()
    for key, value in weights.items():
        torch.testing.assert_close(state[f"backbone.bottom_up.{key}"], torch.as_tensor(value))
    counts = report.counts()
    assert counts["backbone"]["matched"] == len(weights)
    assert counts["backbone"]["missing"] == 0
    assert counts["fpn"]["missing"] > 0 and counts["fpn"]["matched"] == 0
    assert "| backbone" in report.table()


def test_fine_tuning_keeps_gn_trainable_above_freeze_at_without_decay(pretrained):
    cfg, model, _ = load(pretrained["GN"][0], "MODEL.BACKBONE.FREEZE_AT", 2)
    norms = {n: m for n, m in model.named_modules() if isinstance(m, nn.GroupNorm)}
    frozen = [n for n in norms if ".stem." in n or ".res2." in n]
    live = [n for n in norms if n not in frozen]
    assert frozen and live
    assert not any(p.requires_grad for n in frozen for p in norms[n].parameters())
    assert all(p.requires_grad for n in live for p in norms[n].parameters())
    optimizer = build_optimizer(cfg, model)
    decay = {id(p): g["weight_decay"] for g in optimizer.param_groups for p in g["params"]}
    gn_params = [p for n in live for p in norms[n].parameters()]
    assert all(decay[id(p)] == 0.0 for p in gn_params)
    assert cfg.SOLVER.WEIGHT_DECAY > 0


def test_bn_statistics_into_gn_model_is_an_error(pretrained):
    with pytest.raises(NormMismatchError, match="BatchNorm statistics.*MODEL.NORM.TYPE FrozenBN"):
        load(pretrained["BN"][0])


def test_bn_weights_load_into_frozen_bn_model(pretrained):
    path, weights = pretrained["BN"]
    _, model, report = load(path, "MODEL.NORM.TYPE", "FrozenBN")
    key = "res3.0.conv1.norm.running_var"
    torch.testing.assert_close(
        model.state_dict()[f"backbone.bottom_up.{key}"], torch.as_tensor(weights[key])
    )
    assert report.counts()["backbone"]["missing"] == 0


def test_gn_affine_into_frozen_bn_model_is_an_error(pretrained):
    with pytest.raises(NormMismatchError, match="GroupNorm parameters.*MODEL.NORM.TYPE GN"):
        load(pretrained["GN"][0], "MODEL.NORM.TYPE", "FrozenBN")


def test_different_group_count_is_an_error(pretrained):
    with pytest.raises(NormMismatchError, match="32 group.*\\[16\\].*NUM_GROUPS 32"):
        load(pretrained["GN"][0], "MODEL.NORM.NUM_GROUPS", 16)


def test_missing_backbone_weights_are_an_error_unless_allowed(pretrained):
    path = pretrained["GN"][0]
    with pytest.raises(MissingWeightsError, match="backbone weights are missing.*ALLOW_MISSING"):
        load(path, "MODEL.RESNETS.DEPTH", 34)
    _, _, report = load(path, "MODEL.RESNETS.DEPTH", 34, allow=True)
    assert report.counts()["backbone"]["matched"] == len(pretrained["GN"][1])
    assert report.missing_in("backbone")


def test_unconverted_torchvision_file_gets_a_hint(tmp_path):
    path = tmp_path / "resnet18.pth"
    torch.save(torchvision_resnet(18).state_dict(), path)
    with pytest.raises(MissingWeightsError, match="convert it with tools/convert_pretrained.py"):
        load(str(path))


def test_shape_mismatch_is_reported_per_part(tmp_path):
    source = build_model(tiny_cfg("MODEL.ROI_HEADS.NUM_CLASSES", 3))
    path = tmp_path / "detector.pkl"
    path.write_bytes(pickle.dumps(detectron2_weights(source.state_dict(), "test")))
    _, _, report = load(str(path))
    counts = report.counts()
    assert counts["box_predictor"]["shape"] == 4  # cls_score and bbox_pred, weight and bias
    assert counts["mask_head"]["shape"] == 2  # the mask predictor
    assert counts["backbone"]["missing"] == 0 and counts["fpn"]["missing"] == 0
    assert not report.unexpected
