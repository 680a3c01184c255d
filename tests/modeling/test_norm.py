"""NormSpec: kinds, parts and group counts as MODEL.NORM.* describes them."""

import pytest
from detectron2.layers import FrozenBatchNorm2d
from torch import nn

from gn_det.modeling import NORM_KINDS, NormConfigError, NormSpec
from gn_det.modeling.norm import (
    BATCH_NORM_KINDS,
    FROM_SCRATCH_KINDS,
    GROUP_NORM_KINDS,
    is_group_norm,
    layer_family,
    metadata_family,
    metadata_groups,
    norm_metadata,
    weights_family,
)

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


@pytest.mark.parametrize(
    "spec,meta,groups",
    [
        (NormSpec("GN", num_groups=16), {"kind": "GN", "num_groups": 16}, 16),
        (NormSpec("GN", ws=True), {"kind": "GN", "num_groups": 32, "ws": True}, 32),
        (NormSpec("GN", channels_per_group=8), {"kind": "GN", "channels_per_group": 8}, None),
        (NormSpec("LN"), {"kind": "LN"}, 1),
        (NormSpec("IN"), {"kind": "IN"}, None),
        (NormSpec("BN"), {"kind": "BN"}, None),
    ],
)
def test_checkpoint_metadata_round_trip(spec, meta, groups):
    assert norm_metadata(spec) == meta
    assert metadata_groups(meta)[0] == groups
    assert metadata_family(meta) == ("GN" if is_group_norm(spec.kind) else "BN")
    if groups:
        assert spec.kind in metadata_groups(meta)[1]


def test_families_of_layers_and_weights():
    assert layer_family(nn.GroupNorm(2, 4)) == "GN"
    assert layer_family(FrozenBatchNorm2d(4)) == layer_family(nn.SyncBatchNorm(4)) == "BN"
    assert layer_family(nn.Conv2d(1, 1, 1)) is None
    assert weights_family(["a.norm.weight", "a.norm.running_var"]) == "BN"
    assert weights_family(["a.norm.weight", "a.norm.bias"]) == "GN"
    assert weights_family([]) is None and metadata_family({}) is None


def test_kind_groups_are_norm_kinds():
    assert set(GROUP_NORM_KINDS) | set(BATCH_NORM_KINDS) | {"none"} == set(NORM_KINDS)
    assert set(FROM_SCRATCH_KINDS) <= set(NORM_KINDS) and "FrozenBN" not in FROM_SCRATCH_KINDS
