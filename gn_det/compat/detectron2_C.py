"""Pure-Python stand-in for detectron2's compiled ``detectron2._C`` extension.

``tools/install_detectron2.py`` ships this file as ``detectron2/_C.py`` when it
installs detectron2 from the registry sdist, which has no C++ sources.
Deformable convolution is implemented with ``torchvision.ops.deform_conv2d``
(same offset layout as detectron2's kernels); rotated-box operations and the
C++ COCO evaluator raise ``MissingCompiledOp`` naming what needs a compiled
detectron2. It imports only torch and torchvision.
"""

import torch
from torchvision.ops import deform_conv2d

# Marks this module as the stand-in rather than a compiled extension.
IS_PURE_PYTHON_STANDIN = True


class MissingCompiledOp(NotImplementedError):
    """An operation that only detectron2's compiled C++/CUDA extension provides."""


def _missing(op, what, hint=""):
    def raise_missing(*args, **kwargs):
        raise MissingCompiledOp(
            f"detectron2._C.{op} ({what}) needs a compiled detectron2: this detectron2 was "
            "installed by gn_det from the pb1-detectron2 sdist without its C++/CUDA extension. "
            f"{hint}Install a full detectron2 build to use it."
        )

    raise_missing.__name__ = op
    return raise_missing


def get_compiler_version():
    return "none (gn_det pure-Python stand-in for detectron2._C)"


def get_cuda_version():
    return "none (gn_det pure-Python stand-in for detectron2._C)"


def has_cuda():
    return False


def _deform(input, offset, weight, stride, pad, dil, bias=None, mask=None):
    return deform_conv2d(
        input, offset, weight, bias, stride=stride, padding=pad, dilation=dil, mask=mask
    )


def _grads(fn, inputs, grad_output):
    """Gradients of ``fn(*inputs)`` with respect to each input, given the output's gradient."""
    with torch.enable_grad():
        leaves = [t.detach().requires_grad_(True) for t in inputs]
        out = fn(*leaves)
        # allow_unused: a placeholder bias (with_bias=False) is not part of the graph.
        return torch.autograd.grad(out, leaves, grad_output, allow_unused=True)


def deform_conv_forward(
    input,
    weight,
    offset,
    output,
    columns,
    ones,
    kW,
    kH,
    dW,
    dH,
    padW,
    padH,
    dilW,
    dilH,
    group,
    deformable_group,
    im2col_step,
):
    output.copy_(_deform(input, offset, weight, (dH, dW), (padH, padW), (dilH, dilW)))


def deform_conv_backward_input(
    input,
    offset,
    grad_output,
    grad_input,
    grad_offset,
    weight,
    columns,
    kW,
    kH,
    dW,
    dH,
    padW,
    padH,
    dilW,
    dilH,
    group,
    deformable_group,
    im2col_step,
):
    def fn(x, off):
        return _deform(x, off, weight.detach(), (dH, dW), (padH, padW), (dilH, dilW))

    g_in, g_off = _grads(fn, (input, offset), grad_output)
    grad_input.copy_(g_in)
    grad_offset.copy_(g_off)


def deform_conv_backward_filter(
    input,
    offset,
    grad_output,
    grad_weight,
    columns,
    ones,
    kW,
    kH,
    dW,
    dH,
    padW,
    padH,
    dilW,
    dilH,
    group,
    deformable_group,
    scale,
    im2col_step,
):
    def fn(w):
        return _deform(input.detach(), offset.detach(), w, (dH, dW), (padH, padW), (dilH, dilW))

    # The gradient is linear in the weight, so any weight value gives it: use zeros.
    (g_w,) = _grads(fn, (torch.zeros_like(grad_weight),), grad_output)
    grad_weight.add_(g_w, alpha=scale)


def modulated_deform_conv_forward(
    input,
    weight,
    bias,
    ones,
    offset,
    mask,
    output,
    columns,
    kernel_h,
    kernel_w,
    stride_h,
    stride_w,
    pad_h,
    pad_w,
    dilation_h,
    dilation_w,
    group,
    deformable_group,
    with_bias,
):
    out = _deform(
        input,
        offset,
        weight,
        (stride_h, stride_w),
        (pad_h, pad_w),
        (dilation_h, dilation_w),
        bias if with_bias else None,
        mask,
    )
    output.copy_(out)


def modulated_deform_conv_backward(
    input,
    weight,
    bias,
    ones,
    offset,
    mask,
    columns,
    grad_input,
    grad_weight,
    grad_bias,
    grad_offset,
    grad_mask,
    grad_output,
    kernel_h,
    kernel_w,
    stride_h,
    stride_w,
    pad_h,
    pad_w,
    dilation_h,
    dilation_w,
    group,
    deformable_group,
    with_bias,
):
    def fn(x, w, b, off, m):
        return _deform(
            x,
            off,
            w,
            (stride_h, stride_w),
            (pad_h, pad_w),
            (dilation_h, dilation_w),
            b if with_bias else None,
            m,
        )

    grads = _grads(fn, (input, weight, bias, offset, mask), grad_output)
    for dst, src in zip((grad_input, grad_weight, grad_bias, grad_offset, grad_mask), grads):
        if src is not None:
            dst.copy_(src)


_ROTATED_HINT = "Rotated boxes (RRPN, rotated ROI heads) use it. "
box_iou_rotated = _missing("box_iou_rotated", "rotated box IoU", _ROTATED_HINT)
nms_rotated = _missing("nms_rotated", "rotated box NMS", _ROTATED_HINT)
roi_align_rotated_forward = _missing("roi_align_rotated_forward", "rotated ROIAlign", _ROTATED_HINT)
roi_align_rotated_backward = _missing(
    "roi_align_rotated_backward", "rotated ROIAlign", _ROTATED_HINT
)
_EVAL_HINT = "Use COCOEvaluator(..., use_fast_impl=False) or gn_det's evaluator instead. "
InstanceAnnotation = _missing("InstanceAnnotation", "fast COCO evaluation", _EVAL_HINT)
COCOevalEvaluateImages = _missing("COCOevalEvaluateImages", "fast COCO evaluation", _EVAL_HINT)
COCOevalAccumulate = _missing("COCOevalAccumulate", "fast COCO evaluation", _EVAL_HINT)


def _register_nms_rotated_op():
    """Make torch.ops.detectron2.nms_rotated (used by detectron2.layers) raise clearly."""
    if hasattr(torch.ops.detectron2, "nms_rotated"):
        return None
    lib = torch.library.Library("detectron2", "DEF")
    lib.define("nms_rotated(Tensor boxes, Tensor scores, float iou_threshold) -> Tensor")
    lib.impl("nms_rotated", nms_rotated, "CompositeExplicitAutograd")
    return lib


_LIBRARY = _register_nms_rotated_op()
