"""GNDetRCNN: MODEL.NORM.* sets the norm of backbone, FPN, box head and mask head."""

import pytest
import torch
from detectron2.layers import FrozenBatchNorm2d
from detectron2.modeling import build_model
from detectron2.solver import build_optimizer
from torch import nn

from gn_det.modeling import NORM_PARTS, NormConfigError, norm_parts, validate_norm_config

from ..conftest import tiny_cfg

EXPECTED = {
    "FrozenBN": lambda n, c: isinstance(n, FrozenBatchNorm2d),
    "BN": lambda n, c: type(n).__name__ == "BatchNorm2d",
    "SyncBN": lambda n, c: isinstance(n, nn.SyncBatchNorm),
    "GN": lambda n, c: isinstance(n, nn.GroupNorm) and n.num_groups == 32,
    "LN": lambda n, c: isinstance(n, nn.GroupNorm) and n.num_groups == 1,
    "IN": lambda n, c: isinstance(n, nn.GroupNorm) and n.num_groups == c,
    "none": lambda n, c: n is None,
}


def build(*opts):
    return build_model(tiny_cfg("MODEL.BACKBONE.FREEZE_AT", 0, *opts))


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_every_part_holds_the_kind(kind):
    model = build("MODEL.NORM.TYPE", kind)
    parts = norm_parts(model.backbone, model.roi_heads)
    # ResNet-18: stem + 8 blocks x 2 convs + 3 shortcuts; FPN: 4 lateral + 4 output.
    assert {p: len(v) for p, v in parts.items()} == {
        "backbone": 20,
        "fpn": 8,
        "box_head": 4,
        "mask_head": 4,
    }
    for part in NORM_PARTS:
        for name, conv in parts[part]:
            assert EXPECTED[kind](conv.norm, conv.out_channels), (kind, name, conv.norm)
            # Conv bias is on exactly when the conv has no norm.
            assert (conv.bias is not None) == (kind == "none"), (kind, name)
    # Predictors are not normalized.
    assert model.roi_heads.mask_head.predictor.norm is None


def test_parts_subset_keeps_detectron2_keys():
    """The paper's "FrozenBN backbone + GN heads" in one line."""
    model = build(
        "MODEL.NORM.TYPE",
        "GN",
        "MODEL.NORM.PARTS",
        "['fpn','box_head','mask_head']",
        "MODEL.RESNETS.NORM",
        "FrozenBN",
    )
    parts = norm_parts(model.backbone, model.roi_heads)
    assert all(isinstance(c.norm, FrozenBatchNorm2d) for _, c in parts["backbone"])
    for part in ("fpn", "box_head", "mask_head"):
        assert all(isinstance(c.norm, nn.GroupNorm) for _, c in parts[part])


def test_empty_type_is_stock_detectron2():
    """With TYPE "" the stock per-part keys apply, and state-dict keys match stock GN names."""
    opts = [
        "MODEL.NORM.TYPE",
        "",
        "MODEL.RESNETS.NORM",
        "GN",
        "MODEL.FPN.NORM",
        "GN",
        "MODEL.ROI_BOX_HEAD.NORM",
        "GN",
        "MODEL.ROI_MASK_HEAD.NORM",
        "",
    ]
    stock = build(*opts, "MODEL.META_ARCHITECTURE", "GeneralizedRCNN")
    ours = build(*opts)
    assert stock.state_dict().keys() == ours.state_dict().keys()
    assert ours.roi_heads.mask_head.mask_fcn1.norm is None
    assert ours.roi_heads.mask_head.mask_fcn1.bias is not None
    # The flag on GN gives the same keys, plus the mask head's norms.
    flagged = build("MODEL.NORM.TYPE", "GN")
    extra = set(flagged.state_dict()) - set(stock.state_dict())
    assert extra and all(k.startswith("roi_heads.mask_head.mask_fcn") for k in extra)


def test_group_count_that_does_not_divide_names_the_layer():
    with pytest.raises(NormConfigError) as e:
        build("MODEL.NORM.TYPE", "GN", "MODEL.NORM.NUM_GROUPS", 48)
    msg = str(e.value)
    assert "MODEL.NORM.NUM_GROUPS=48" in msg
    assert "backbone.bottom_up.stem.conv1 has 64 channels" in msg


def test_channels_per_group():
    model = build("MODEL.NORM.TYPE", "GN", "MODEL.NORM.CHANNELS_PER_GROUP", 16)
    stem = model.backbone.bottom_up.stem.conv1.norm
    res5 = model.backbone.bottom_up.res5[0].conv1.norm
    assert (stem.num_groups, res5.num_groups) == (4, 32)


def test_unknown_kind_fails_before_building():
    with pytest.raises(NormConfigError, match="valid kinds"):
        tiny_cfg("MODEL.NORM.TYPE", "GroupNorm")


def test_flag_needs_gn_det_meta_architecture():
    cfg = tiny_cfg()
    cfg.MODEL.META_ARCHITECTURE = "GeneralizedRCNN"
    with pytest.raises(NormConfigError, match="GNDetRCNN"):
        validate_norm_config(cfg)


@pytest.mark.parametrize("kind", ["GN", "BN"])
def test_frozen_stages_have_no_trainable_parameters(kind):
    model = build("MODEL.NORM.TYPE", kind, "MODEL.BACKBONE.FREEZE_AT", 2)
    resnet = model.backbone.bottom_up
    frozen = list(resnet.stem.modules()) + list(resnet.res2.modules())
    assert not any(p.requires_grad for m in frozen for p in m.parameters(recurse=False))
    norms = [m.norm for m in resnet.stem.modules() if hasattr(m, "norm")]
    if kind == "GN":  # frozen GN still normalizes with its (frozen) affine parameters
        assert norms and all(isinstance(n, nn.GroupNorm) for n in norms)
    else:  # frozen BN becomes FrozenBN, as ResNet.freeze does
        assert norms and all(isinstance(n, FrozenBatchNorm2d) for n in norms)
    trainable = [resnet.res3, resnet.res5, model.backbone.fpn_lateral2, model.roi_heads.mask_head]
    for module in trainable:
        gn_params = [
            p
            for m in module.modules()
            if isinstance(m, nn.GroupNorm | nn.BatchNorm2d)
            for p in m.parameters()
        ]
        assert gn_params and all(p.requires_grad for p in gn_params)


def test_norm_parameters_get_no_weight_decay():
    cfg = tiny_cfg("MODEL.NORM.TYPE", "GN", "SOLVER.WEIGHT_DECAY", 1e-4)
    model = build_model(cfg)
    optimizer = build_optimizer(cfg, model)
    decay = {id(p): g["weight_decay"] for g in optimizer.param_groups for p in g["params"]}
    gn = [p for m in model.modules() if isinstance(m, nn.GroupNorm) for p in m.parameters()]
    convs = [model.backbone.bottom_up.stem.conv1.weight, model.backbone.fpn_output2.weight]
    assert gn and all(decay[id(p)] == 0.0 for p in gn)
    assert all(decay[id(p)] == 1e-4 for p in convs)


def _inputs():
    from detectron2.structures import BitMasks, Boxes, Instances

    torch.manual_seed(0)
    batch = []
    for boxes in ([[10, 12, 60, 70], [40, 40, 100, 110]], []):
        inst = Instances((128, 128))
        inst.gt_boxes = Boxes(torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4))
        inst.gt_classes = torch.arange(len(boxes), dtype=torch.int64)
        masks = torch.zeros(len(boxes), 128, 128, dtype=torch.bool)
        for i, (x0, y0, x1, y1) in enumerate(boxes):
            masks[i, y0:y1, x0:x1] = True
        inst.gt_masks = BitMasks(masks)
        batch.append({"image": torch.rand(3, 128, 128) * 255, "instances": inst})
    return batch


@pytest.mark.parametrize("kind", ["GN", "FrozenBN"])
def test_train_step_and_inference(kind):
    from detectron2.utils.events import EventStorage

    model = build("MODEL.NORM.TYPE", kind)
    model.train()
    with EventStorage():
        losses = model(_inputs())
        total = sum(losses.values())
        total.backward()
    assert {"loss_cls", "loss_box_reg", "loss_mask", "loss_rpn_cls"} <= set(losses)
    assert torch.isfinite(total)
    grads = [p.grad for p in model.roi_heads.mask_head.parameters() if p.requires_grad]
    assert any(g is not None and g.abs().sum() > 0 for g in grads)
    model.eval()
    with torch.no_grad():
        (out,) = model([{"image": torch.rand(3, 128, 128) * 255}])
    assert out["instances"].image_size == (128, 128)
    assert out["instances"].has("pred_masks") or len(out["instances"]) == 0
