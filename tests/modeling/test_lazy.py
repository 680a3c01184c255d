"""The norm flag in a LazyConfig (``with_norm``, ``model.norm.*``): the model of the YAML path,
detectron2's LSJ checkpoint keys, overrides that change the built model."""

import pytest
import torch
from detectron2.config import LazyCall as L
from detectron2.config import LazyConfig, instantiate
from detectron2.layers import FrozenBatchNorm2d
from detectron2.model_zoo import get_config_file
from detectron2.modeling import build_model
from detectron2.structures import BitMasks, Boxes, Instances
from detectron2.utils.events import EventStorage
from torch import nn

from gn_det.modeling import (
    NORM_PARTS,
    GNDetRCNN,
    NormConfigError,
    NormSpec,
    WSConv2d,
    norm_fields,
    norm_parts,
    with_norm,
)
from gn_det.modeling.speed import SpeedConfigError, SpeedOptions

from ..conftest import REPO

SHAPES = "configs/Shapes/mask_rcnn_R_18_FPN_tiny"
R50_GN = "configs/COCO/mask_rcnn_R_50_FPN_1x_gn"
LSJ_GN = "configs/new_baselines/mask_rcnn_R_50_FPN_100ep_LSJ_gn.py"
LSJ = "new_baselines/mask_rcnn_R_50_FPN_100ep_LSJ.py"


def lazy_cfg(path, *overrides):
    """A LazyConfig of the repository (or a full path), with ``key=value`` overrides."""
    cfg = LazyConfig.load(str(REPO / path))
    return LazyConfig.apply_overrides(cfg, list(overrides))


def meta_model(cfg):
    with torch.device("meta"):
        return instantiate(cfg.model)


def yaml_model(path, *opts):
    from gn_det.engine.setup import load_config

    cfg = load_config(str(REPO / path), [str(o) for o in opts])
    cfg.MODEL.DEVICE = "cpu"
    return build_model(cfg)


def test_with_norm_builds_gndet_rcnn_with_every_setting_as_a_field():
    cfg = lazy_cfg(f"{SHAPES}.py")
    assert cfg.model._target_ is GNDetRCNN
    assert dict(cfg.model.norm) == norm_fields(type="GN")
    assert set(cfg.model.norm) == {"type", "parts", "num_groups", "channels_per_group", "eps",
                                   "ws"}  # fmt: skip
    assert SpeedOptions.from_fields(cfg.model.speed) == SpeedOptions()


def test_with_norm_refuses_other_models_and_bad_fields():
    with pytest.raises(NormConfigError, match="needs a model node of GeneralizedRCNN"):
        with_norm(L(nn.Linear)(in_features=1, out_features=1), type="GN")
    model = LazyConfig.load(get_config_file("common/models/mask_rcnn_fpn.py"), "model")
    with pytest.raises(NormConfigError, match="model.norm.type='GroupNorm' is not a norm kind"):
        with_norm(model, type="GroupNorm")


@pytest.mark.parametrize(
    "fields,expected",
    [
        ({"type": "GN", "tpye": "LN"}, "model.norm has no field tpye; its fields: type, parts"),
        ({"type": "GN", "parts": "fpn"}, "model.norm.parts='fpn' must be a list of parts"),
        ({"type": "GN", "parts": ["fpn", "rpn"]}, "model.norm.parts has unknown part(s) ['rpn']"),
        ({"type": "GN", "num_groups": "16"}, "model.norm.num_groups='16' must be an integer"),
        ({"type": "GN", "num_groups": 0}, "model.norm.num_groups=0 must be >= 1"),
        ({"type": "GN", "ws": 1}, "model.norm.ws=1 must be True or False"),
        ({"type": "BN", "ws": True}, "model.norm.ws=True with model.norm.type='BN'"),
        ({"type": "", "ws": True}, "or model.norm.ws=False"),
        ({"type": "GN", "channels_per_group": -1}, "model.norm.channels_per_group=-1 must be"),
    ],
)  # fmt: skip
def test_bad_norm_fields_are_one_line_errors_naming_the_field(fields, expected):
    with pytest.raises(NormConfigError) as info:
        NormSpec.from_fields(fields)
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_norm_fields_give_the_spec_of_the_same_yaml_keys():
    spec = NormSpec.from_fields(norm_fields(type="GN", parts=["fpn"], num_groups=16, ws=True))
    assert spec == NormSpec("GN", parts=("fpn",), num_groups=16, ws=True)
    assert NormSpec.from_fields({"type": ""}) is None
    with pytest.raises(SpeedConfigError, match="model.speed has no field channel_last"):
        SpeedOptions.from_fields({"channel_last": True})


def images_and_targets(num_classes):
    """Two small images with two objects each (boxes, classes, masks), fixed by a seed."""
    generator = torch.Generator().manual_seed(3)
    inputs = []
    for h, w in ((96, 128), (80, 96)):
        image = torch.randint(0, 256, (3, h, w), generator=generator).float()
        masks = torch.zeros(2, h, w, dtype=torch.bool)
        masks[0, 10:50, 20:70] = True
        masks[1, 40:75, 50:90] = True
        target = Instances((h, w))
        target.gt_boxes = Boxes(torch.tensor([[20.0, 10, 70, 50], [50, 40, 90, 75]]))
        target.gt_classes = torch.tensor([1, num_classes - 1])
        target.gt_masks = BitMasks(masks)
        inputs.append({"image": image, "instances": target, "height": h, "width": w})
    return inputs


# The same options in both config systems: every detection kept, fewer ROIs (a fast test).
SAME_OPTIONS = [
    ("MODEL.ROI_HEADS.SCORE_THRESH_TEST 0.0",
     "model.roi_heads.box_predictor.test_score_thresh=0.0"),
    ("MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE 32", "model.roi_heads.batch_size_per_image=32"),
    ("MODEL.RPN.POST_NMS_TOPK_TEST 40", "model.proposal_generator.post_nms_topk=[200,40]"),
    ("MODEL.RPN.POST_NMS_TOPK_TRAIN 200", "model.proposal_generator.post_nms_topk=[200,40]"),
    ("TEST.DETECTIONS_PER_IMAGE 20", "model.roi_heads.box_predictor.test_topk_per_image=20"),
]  # fmt: skip


@pytest.mark.parametrize("name,num_classes", [(SHAPES, 5), (R50_GN, 80)])
def test_lazy_config_builds_the_model_of_its_yaml_twin(name, num_classes):
    """Same modules, keys, shapes and frozen parameters; with the YAML model's weights, the
    same losses and the same detections."""
    ours = yaml_model(f"{name}.yaml", *[x for pair in SAME_OPTIONS for x in pair[0].split()])
    cfg = lazy_cfg(f"{name}.py", *[pair[1] for pair in SAME_OPTIONS])
    theirs = instantiate(cfg.model)
    assert str(theirs) == str(ours)
    shapes = {k: v.shape for k, v in ours.state_dict().items()}
    assert {k: v.shape for k, v in theirs.state_dict().items()} == shapes
    frozen = {n for n, p in ours.named_parameters() if not p.requires_grad}
    assert {n for n, p in theirs.named_parameters() if not p.requires_grad} == frozen
    assert bool(frozen) == (name == R50_GN)  # FREEZE_AT 2 there: stem and res2 stay frozen
    theirs.load_state_dict(ours.state_dict())

    inputs = images_and_targets(num_classes)
    losses = []
    for model in (ours, theirs):
        model.train()
        torch.manual_seed(0)  # proposal and ROI sampling
        with EventStorage():
            losses.append({k: v.item() for k, v in model(inputs).items()})
    assert losses[0] == losses[1] and len(losses[0]) == 5
    outputs = []
    for model in (ours, theirs):
        model.eval()
        with torch.no_grad():
            outputs.append([r["instances"] for r in model([{"image": x["image"]} for x in inputs])])
    for a, b in zip(*outputs):
        assert len(a) == len(b) > 0
        for field in ("pred_boxes", "scores", "pred_classes", "pred_masks"):
            x, y = a.get(field), b.get(field)
            x, y = (x.tensor, y.tensor) if isinstance(x, Boxes) else (x, y)
            assert torch.equal(x, y), field


def test_gn_lsj_has_the_parameters_of_detectron2s_syncbn_lsj():
    """Parameter names and shapes are those of detectron2's own LSJ model, so weights move
    between them; the state dicts differ only by BatchNorm's running statistics."""
    gn = meta_model(lazy_cfg(LSJ_GN))
    stock = meta_model(LazyConfig.load(get_config_file(LSJ)))
    assert type(stock).__name__ == "GeneralizedRCNN" and isinstance(gn, GNDetRCNN)
    params = {k: p.shape for k, p in stock.named_parameters()}
    assert {k: p.shape for k, p in gn.named_parameters()} == params
    stats = ("running_mean", "running_var", "num_batches_tracked")
    extra = set(stock.state_dict()) - set(gn.state_dict())
    assert extra and all(k.rsplit(".", 1)[1] in stats for k in extra)
    assert set(gn.state_dict()) <= set(stock.state_dict())
    kinds = {type(m).__name__ for m in stock.modules() if "Norm" in type(m).__name__}
    assert kinds == {"SyncBatchNorm", "NaiveSyncBatchNorm"}
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in gn.modules())


def normed_convs(model):
    parts = norm_parts(model.backbone, model.roi_heads)
    return {part: parts[part] for part in NORM_PARTS}


def test_override_ln_gives_one_group_everywhere_the_norm_goes():
    stock = normed_convs(meta_model(LazyConfig.load(get_config_file(LSJ))))
    model = meta_model(lazy_cfg(LSJ_GN, "model.norm.type=LN"))
    convs = normed_convs(model)
    assert {p: len(c) for p, c in convs.items()} == {p: len(c) for p, c in stock.items()}
    assert {p: len(c) for p, c in convs.items()} == {
        "backbone": 53, "fpn": 8, "box_head": 4, "mask_head": 4,
    }  # fmt: skip
    for named in convs.values():
        for name, conv in named:
            assert isinstance(conv.norm, nn.GroupNorm) and conv.norm.num_groups == 1, name
    groups = [m for m in model.modules() if isinstance(m, nn.GroupNorm)]
    assert len(groups) == sum(len(c) for c in convs.values())  # none elsewhere (RPN, predictors)


def test_overrides_choose_parts_groups_and_ws():
    cfg = lazy_cfg(
        LSJ_GN, "model.norm.parts=[fpn,box_head,mask_head]", "model.norm.num_groups=16",
        "model.norm.ws=True",
    )  # fmt: skip
    convs = normed_convs(meta_model(cfg))
    assert all(isinstance(c.norm, nn.SyncBatchNorm) for _, c in convs["backbone"])
    for part in ("fpn", "box_head", "mask_head"):
        for name, conv in convs[part]:
            assert isinstance(conv, WSConv2d) and conv.norm.num_groups == 16, name
    convs = normed_convs(meta_model(lazy_cfg(LSJ_GN, "model.norm.type=none")))
    assert all(c.norm is None and c.bias is not None for n in convs.values() for _, c in n)


def test_frozen_stages_stay_frozen_and_normalizing():
    cfg = lazy_cfg(LSJ_GN, "model.backbone.bottom_up.freeze_at=2", "model.norm.type=FrozenBN")
    bottom_up = meta_model(cfg).backbone.bottom_up
    for stage, frozen in (("stem", True), ("res2", True), ("res3", False)):
        params = list(getattr(bottom_up, stage).parameters())
        assert all(p.requires_grad != frozen for p in params), stage
    assert isinstance(bottom_up.res3[0].conv1.norm, FrozenBatchNorm2d)
    cfg = lazy_cfg(LSJ_GN, "model.backbone.bottom_up.freeze_at=2")
    bottom_up = meta_model(cfg).backbone.bottom_up
    assert isinstance(bottom_up.res2[0].conv1.norm, nn.GroupNorm)
    assert not any(p.requires_grad for p in bottom_up.res2.parameters())
    assert all(p.requires_grad for p in bottom_up.res3.parameters())


def test_norm_parameters_get_no_weight_decay():
    cfg = lazy_cfg(LSJ_GN)
    model = instantiate(lazy_cfg(f"{SHAPES}.py").model)  # LSJ's optimizer on a small GN model
    cfg.optimizer.params.model = model
    optimizer = instantiate(cfg.optimizer)
    decay = {id(p): g["weight_decay"] for g in optimizer.param_groups for p in g["params"]}
    norms = [m for m in model.modules() if isinstance(m, nn.GroupNorm)]
    assert norms and all(decay[id(p)] == 0.0 for m in norms for p in m.parameters())
    assert decay[id(model.backbone.bottom_up.stem.conv1.weight)] == cfg.optimizer.weight_decay
