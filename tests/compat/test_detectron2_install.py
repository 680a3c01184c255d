"""Tests of the detectron2 installed by tools/install_detectron2.py (pure-Python, no _C build)."""

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import detectron2
import numpy as np
import pytest
import torch
from detectron2 import _C
from torchvision.ops import deform_conv2d

from gn_det.compat import has_compiled_detectron2

REPO = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------- imports

IMPORT_ORDERS = [
    ("gn_det", "detectron2.modeling", "detectron2.evaluation", "detectron2.engine"),
    ("detectron2.modeling", "detectron2.evaluation", "detectron2.engine", "gn_det"),
    ("detectron2.engine", "detectron2.evaluation", "detectron2.modeling", "gn_det"),
    ("detectron2.evaluation", "gn_det", "detectron2.engine", "detectron2.modeling"),
    ("detectron2.engine", "gn_det", "detectron2.modeling", "detectron2.evaluation"),
]

IMPORT_CHECKS = """
from detectron2.data import DatasetCatalog
from detectron2.modeling import META_ARCH_REGISTRY
import detectron2._C
assert "GNDetRCNN" in META_ARCH_REGISTRY, "gn_det's meta-architecture is not registered"
assert "shapes_train" in DatasetCatalog.list(), "gn_det's datasets are not registered"
assert detectron2._C.IS_PURE_PYTHON_STANDIN
print("IMPORTS-OK")
"""


@pytest.mark.parametrize(
    "order", IMPORT_ORDERS, ids=lambda o: "-".join(m.split(".")[-1] for m in o)
)
def test_import_orders_in_fresh_interpreter(order):
    code = "".join(f"import {m}\n" for m in order) + IMPORT_CHECKS
    # Run from the repository root, so these sources are imported whatever the install.
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=180)  # fmt: skip
    assert proc.returncode == 0, f"import order {order} failed:\n{proc.stderr[-4000:]}"
    assert "IMPORTS-OK" in proc.stdout


def test_installed_gn_det_is_the_regular_package(tmp_path):
    """Outside the repository, ``import gn_det`` must run gn_det/__init__.py (the install)."""
    code = "import gn_det; print(gn_det.__file__); print(hasattr(gn_det, 'add_gn_det_config'))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=180)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert proc.stdout.split() == [str(REPO / "gn_det" / "__init__.py"), "True"], (
        f"outside the repository gn_det imports as {proc.stdout!r}: the editable install is "
        "stale (made before gn_det/__init__.py existed, so gn_det is a namespace package); "
        "reinstall it with `pip install -e .` (make setup)"
    )


# --------------------------------------------------------------------------- distribution


def test_distribution_version():
    version = importlib.metadata.version("pb1-detectron2")
    assert version.startswith("0.6"), version
    assert detectron2.__version__.startswith("0.6")


def test_pip_show():
    proc = subprocess.run([sys.executable, "-m", "pip", "show", "pb1-detectron2"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Name: pb1-detectron2" in proc.stdout
    assert "Version: 0.6" in proc.stdout


def test_pure_python_standin():
    assert has_compiled_detectron2() is False
    assert _C.IS_PURE_PYTHON_STANDIN is True
    assert _C.__file__.endswith("_C.py")
    assert _C.has_cuda() is False
    assert "stand-in" in _C.get_compiler_version()
    assert issubclass(_C.MissingCompiledOp, NotImplementedError)


# --------------------------------------------------------------------------- rotated ops

ROTATED = torch.tensor([[10.0, 10.0, 6.0, 4.0, 0.0], [11.0, 10.0, 6.0, 4.0, 30.0]])


def _nms_rotated():
    from detectron2.layers import nms_rotated

    return nms_rotated(ROTATED, torch.tensor([0.9, 0.8]), 0.5)


def _pairwise_iou_rotated():
    from detectron2.layers.rotated_boxes import pairwise_iou_rotated

    return pairwise_iou_rotated(ROTATED, ROTATED)


def _roi_align_rotated():
    from detectron2.layers import ROIAlignRotated

    rois = torch.tensor([[0.0, 4.0, 4.0, 3.0, 3.0, 10.0]])
    return ROIAlignRotated((2, 2), 1.0, 0)(torch.rand(1, 3, 8, 8), rois)


@pytest.mark.parametrize(
    "op",
    [_nms_rotated, _pairwise_iou_rotated, _roi_align_rotated],
    ids=["nms_rotated", "pairwise_iou_rotated", "ROIAlignRotated"],
)
def test_rotated_ops_raise_missing_compiled_op(op):
    with pytest.raises(_C.MissingCompiledOp, match="compiled detectron2") as e:
        op()
    assert isinstance(e.value, NotImplementedError)


def test_fast_coco_eval_raises_missing_compiled_op():
    with pytest.raises(_C.MissingCompiledOp, match="use_fast_impl=False"):
        _C.COCOevalAccumulate({})


# --------------------------------------------------------------------------- deformable conv

# (N, C_in, C_out, H, W, kH, kW, (sH, sW), (pH, pW), (dH, dW), groups, deformable_groups)
DEFORM_CASES = {
    "plain": (2, 4, 3, 7, 6, 3, 3, (1, 1), (0, 0), (1, 1), 1, 1),
    "s2p1dg2": (2, 4, 6, 9, 8, 3, 3, (2, 2), (1, 1), (1, 1), 1, 2),
    "dil2g2": (1, 4, 6, 9, 9, 3, 3, (1, 1), (2, 2), (2, 2), 2, 1),
    "hw-asym": (1, 2, 3, 9, 10, 3, 2, (1, 2), (1, 0), (2, 1), 1, 2),
}


def _make_case(case, modulated, seed=0):
    n, cin, cout, h, w, kh, kw, stride, pad, dil, groups, dg = case
    g = torch.Generator().manual_seed(seed)

    def rand(*shape, scale=1.0):
        return (torch.rand(*shape, generator=g, dtype=torch.float64) - 0.5) * 2 * scale

    ho = (h + 2 * pad[0] - dil[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (w + 2 * pad[1] - dil[1] * (kw - 1) - 1) // stride[1] + 1
    t = {
        "input": rand(n, cin, h, w),
        "weight": rand(cout, cin // groups, kh, kw),
        "offset": rand(n, 2 * dg * kh * kw, ho, wo, scale=2.0),
        "grad_output": rand(n, cout, ho, wo),
    }
    if modulated:
        t["mask"] = rand(n, dg * kh * kw, ho, wo).abs()
        t["bias"] = rand(cout)
    return t, (ho, wo)


def _reference(t, case, with_bias=False, modulated=False):
    """torchvision output and autograd gradients w.r.t. every input tensor."""
    *_, stride, pad, dil, _groups, _dg = case
    names = ["input", "offset", "weight"] + (["mask"] if modulated else [])
    names += ["bias"] if with_bias else []
    leaves = {k: t[k].clone().requires_grad_(True) for k in names}
    out = deform_conv2d(leaves["input"], leaves["offset"], leaves["weight"], leaves.get("bias"),
                        stride=stride, padding=pad, dilation=dil,
                        mask=leaves.get("mask"))  # fmt: skip
    grads = torch.autograd.grad(out, list(leaves.values()), t["grad_output"])
    return out.detach(), dict(zip(names, grads))


def _close(actual, expected):
    torch.testing.assert_close(actual, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", list(DEFORM_CASES))
def test_deform_conv_matches_torchvision(name):
    case = DEFORM_CASES[name]
    n, cin, cout, h, w, kh, kw, (sh, sw), (ph, pw), (dh, dw), groups, dg = case
    t, (ho, wo) = _make_case(case, modulated=False)
    ref_out, ref_grads = _reference(t, case)
    assert ref_out.abs().sum() > 0
    bufs = (t["input"].new_empty(0), t["input"].new_empty(0))

    output = t["input"].new_full((n, cout, ho, wo), float("nan"))
    _C.deform_conv_forward(t["input"], t["weight"], t["offset"], output, *bufs, kw, kh, sw, sh,
                           pw, ph, dw, dh, groups, dg, 1)  # fmt: skip
    _close(output, ref_out)

    grad_input, grad_offset = torch.zeros_like(t["input"]), torch.zeros_like(t["offset"])
    _C.deform_conv_backward_input(t["input"], t["offset"], t["grad_output"], grad_input,
                                  grad_offset, t["weight"], bufs[0], kw, kh, sw, sh, pw, ph, dw,
                                  dh, groups, dg, 1)  # fmt: skip
    _close(grad_input, ref_grads["input"])
    _close(grad_offset, ref_grads["offset"])

    # The filter gradient is accumulated into grad_weight, scaled by ``scale`` (as in C++).
    start = torch.full_like(t["weight"], 0.25)
    grad_weight = start.clone()
    _C.deform_conv_backward_filter(t["input"], t["offset"], t["grad_output"], grad_weight, *bufs,
                                   kw, kh, sw, sh, pw, ph, dw, dh, groups, dg, 0.5,
                                   1)  # fmt: skip
    _close(grad_weight, start + 0.5 * ref_grads["weight"])
    # Inputs are left untouched.
    again, _ = _make_case(case, modulated=False)
    for k in again:
        _close(t[k], again[k])


MODULATED_CASES = [(name, True) for name in DEFORM_CASES] + [("s2p1dg2", False)]


@pytest.mark.parametrize(
    "name,with_bias",
    MODULATED_CASES,
    ids=[f"{n}-{'bias' if b else 'no-bias'}" for n, b in MODULATED_CASES],
)
def test_modulated_deform_conv_matches_torchvision(name, with_bias):
    case = DEFORM_CASES[name]
    n, cin, cout, h, w, kh, kw, (sh, sw), (ph, pw), (dh, dw), groups, dg = case
    t, (ho, wo) = _make_case(case, modulated=True, seed=1)
    ref_out, ref_grads = _reference(t, case, with_bias=with_bias, modulated=True)
    # detectron2 passes a 1-element placeholder when the layer has no bias.
    bias = t["bias"] if with_bias else t["input"].new_empty(1)
    bufs = (t["input"].new_empty(0), t["input"].new_empty(0))

    output = t["input"].new_full((n, cout, ho, wo), float("nan"))
    _C.modulated_deform_conv_forward(t["input"], t["weight"], bias, bufs[0], t["offset"],
                                     t["mask"], output, bufs[1], kh, kw, sh, sw, ph, pw, dh, dw,
                                     groups, dg, with_bias)  # fmt: skip
    _close(output, ref_out)

    grads = {k: torch.zeros_like(t[k]) for k in ("input", "weight", "offset", "mask")}
    grads["bias"] = torch.zeros_like(bias)
    _C.modulated_deform_conv_backward(t["input"], t["weight"], bias, bufs[0], t["offset"],
                                      t["mask"], bufs[1], grads["input"], grads["weight"],
                                      grads["bias"], grads["offset"], grads["mask"],
                                      t["grad_output"], kh, kw, sh, sw, ph, pw, dh, dw, groups,
                                      dg, with_bias)  # fmt: skip
    for k in ("input", "weight", "offset", "mask"):
        _close(grads[k], ref_grads[k])
    if with_bias:
        _close(grads["bias"], ref_grads["bias"])
        _close(grads["bias"], t["grad_output"].sum(dim=(0, 2, 3)))


def test_deform_conv_layer_forward_cpu():
    from detectron2.layers import DeformConv

    torch.manual_seed(0)
    layer = DeformConv(4, 6, kernel_size=3, stride=2, padding=1, bias=False)
    x = torch.rand(2, 4, 10, 12)
    offset = torch.randn(2, 18, 5, 6)
    out = layer(x, offset)
    assert out.shape == (2, 6, 5, 6)
    expected = deform_conv2d(x, offset, layer.weight, stride=2, padding=1)
    torch.testing.assert_close(out, expected)
    # With zero offsets it is an ordinary convolution.
    plain = layer(x, torch.zeros_like(offset))
    ref = torch.nn.functional.conv2d(x, layer.weight, stride=2, padding=1)
    torch.testing.assert_close(plain, ref, rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------------- Pillow, export


def test_pillow_10_and_extent_transform():
    import PIL
    from detectron2.data.transforms import ExtentTransform
    from PIL import Image

    assert int(PIL.__version__.split(".")[0]) >= 10, PIL.__version__
    assert not hasattr(Image, "LINEAR")  # the alias the patch replaced is really gone
    tfm = ExtentTransform(src_rect=(0, 0, 10, 10), output_size=(5, 5))
    img = np.zeros((10, 10, 3), np.uint8)
    img[:, 5:] = 200
    out = tfm.apply_image(img)
    assert out.shape == (5, 5, 3) and out.dtype == np.uint8
    assert out[:, 0].max() == 0 and out[:, -1].min() == 200
    assert tfm.interp == Image.BILINEAR


def test_detectron2_export():
    import detectron2.export
    from detectron2.export import TracingAdapter

    assert callable(TracingAdapter)
    assert hasattr(detectron2.export, "scripting_with_instances")


def test_collect_env_info_mentions_standin():
    from detectron2.utils.collect_env import collect_env_info

    info = collect_env_info()
    assert "stand-in" in info
    assert "detectron2" in info and "0.6" in info


# --------------------------------------------------------------------------- model zoo


def _instances(h, w, generator):
    from detectron2.structures import BitMasks, Boxes, Instances

    boxes = torch.tensor([[10.0, 12.0, 70.0, 60.0], [80.0, 40.0, 150.0, 120.0]])
    masks = torch.zeros(2, h, w, dtype=torch.bool)
    for m, (x0, y0, x1, y1) in zip(masks, boxes.int().tolist()):
        m[y0:y1, x0:x1] = True
    inst = Instances((h, w))
    inst.gt_boxes = Boxes(boxes)
    inst.gt_classes = torch.randint(0, 80, (2,), generator=generator)
    inst.gt_masks = BitMasks(masks)
    return inst


def test_model_zoo_mask_rcnn_cpu_train_step_and_inference():
    from detectron2 import model_zoo
    from detectron2.modeling import build_model
    from detectron2.utils.events import EventStorage

    cfg = model_zoo.get_config("COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_1x.yaml")
    cfg.MODEL.DEVICE = "cpu"
    cfg.MODEL.WEIGHTS = ""
    cfg.INPUT.MIN_SIZE_TRAIN = (128,)
    cfg.INPUT.MAX_SIZE_TRAIN = 160
    cfg.INPUT.MIN_SIZE_TEST = 128
    cfg.INPUT.MAX_SIZE_TEST = 160
    cfg.MODEL.RPN.PRE_NMS_TOPK_TRAIN = 200
    cfg.MODEL.RPN.POST_NMS_TOPK_TRAIN = 50
    cfg.MODEL.RPN.PRE_NMS_TOPK_TEST = 200
    cfg.MODEL.RPN.POST_NMS_TOPK_TEST = 50
    cfg.MODEL.RPN.BATCH_SIZE_PER_IMAGE = 64
    cfg.MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE = 32
    cfg.TEST.DETECTIONS_PER_IMAGE = 10
    torch.manual_seed(0)
    model = build_model(cfg)
    assert next(model.parameters()).device.type == "cpu"
    g = torch.Generator().manual_seed(0)
    batch = [{"image": torch.rand(3, 128, 160, generator=g) * 255,
              "instances": _instances(128, 160, g)} for _ in range(2)]  # fmt: skip

    model.train()
    with EventStorage():
        losses = model(batch)
    assert {"loss_cls", "loss_box_reg", "loss_mask", "loss_rpn_cls", "loss_rpn_loc"} <= set(losses)
    for k, v in losses.items():
        assert torch.isfinite(v).all(), f"{k} = {v}"
    total = sum(losses.values())
    total.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad and p.grad is not None]
    assert grads, "no parameter received a gradient"
    assert all(torch.isfinite(gr).all() for gr in grads)
    mask_head_grads = [p.grad for p in model.roi_heads.mask_head.parameters()]
    assert any(gr is not None and gr.abs().sum() > 0 for gr in mask_head_grads)

    model.eval()
    with torch.no_grad():
        outputs = model([{"image": batch[0]["image"], "height": 128, "width": 160}])
    assert len(outputs) == 1 and "instances" in outputs[0]
    inst = outputs[0]["instances"]
    assert inst.image_size == (128, 160)
    assert len(inst) <= 10
    assert {"pred_boxes", "scores", "pred_classes", "pred_masks"} <= set(inst.get_fields())


def test_map_dataset_retries_on_python_311():
    """detectron2's MapDataset picks another index when the mapper returns None."""
    from detectron2.data.common import MapDataset

    dataset = MapDataset(list(range(10)), lambda x: None if x == 3 else x)
    assert dataset[3] != 3 and dataset[3] is not None


def test_lr_scheduler_hook_saves_pytorch2_scheduler_state():
    """The LRScheduler hook keeps the state of PyTorch 2 schedulers in checkpoints."""
    from detectron2.engine.hooks import LRScheduler

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(opt, 3)
    for _ in range(5):
        opt.step()
        scheduler.step()
    state = LRScheduler(scheduler=scheduler).state_dict()
    assert state["last_epoch"] == 5
    restored = torch.optim.lr_scheduler.StepLR(opt, 3)
    LRScheduler(scheduler=restored).load_state_dict(state)
    assert restored.last_epoch == 5
