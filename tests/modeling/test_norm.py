"""NormSpec: kinds, parts and group counts as MODEL.NORM.* describes them."""

import pytest
from detectron2.layers import FrozenBatchNorm2d
from torch import nn

from gn_det.modeling import NORM_KINDS, NormConfigError, NormSpec

from ..conftest import tiny_cfg


def test_unknown_kind_lists_valid_kinds():
    with pytest.raises(NormConfigError) as e:
        NormSpec("GroupNorm")
    msg = str(e.value)
    assert "MODEL.NORM.TYPE='GroupNorm'" in msg
    for kind in NORM_KINDS:
        assert kind in msg


def test_unknown_part_is_rejected():
    with pytest.raises(NormConfigError, match="rpn_head"):
        NormSpec("GN", parts=("backbone", "rpn_head"))


@pytest.mark.parametrize("key,value", [("num_groups", 0), ("channels_per_group", -1)])
def test_bad_group_settings_are_rejected(key, value):
    with pytest.raises(NormConfigError):
        NormSpec("GN", **{key: value})


def test_empty_type_means_detectron2_keys():
    assert NormSpec.from_config(tiny_cfg("MODEL.NORM.TYPE", "")) is None


@pytest.mark.parametrize(
    "spec,channels,groups",
    [
        (NormSpec("GN"), 64, 32),
        (NormSpec("GN", num_groups=8), 64, 8),
        (NormSpec("GN", channels_per_group=16), 64, 4),
        (NormSpec("LN"), 64, 1),
        (NormSpec("IN"), 64, 64),
        (NormSpec("GN"), 48, None),
        (NormSpec("GN", channels_per_group=32), 48, None),
    ],
)
def test_group_count(spec, channels, groups):
    assert spec.group_count(channels) == groups


@pytest.mark.parametrize(
    "kind,cls",
    [
        ("FrozenBN", FrozenBatchNorm2d),
        ("BN", nn.BatchNorm2d),
        ("SyncBN", nn.SyncBatchNorm),
        ("GN", nn.GroupNorm),
        ("LN", nn.GroupNorm),
        ("IN", nn.GroupNorm),
    ],
)
def test_build(kind, cls):
    norm = NormSpec(kind, eps=1e-3).build(64)
    assert isinstance(norm, cls)
    if cls is nn.GroupNorm:
        assert norm.eps == 1e-3


def test_build_none_and_bad_groups():
    assert NormSpec("none").build(64) is None
    with pytest.raises(NormConfigError, match="does not divide 48 channels"):
        NormSpec("GN").build(48)
