"""Variant strings (--norms of tools/sweep.py and tools/benchmark.py): one parser."""

import pytest

from gn_det.modeling.variant import OPTIONS, Variant, VariantError

from ..conftest import tiny_cfg


def test_kind_and_options_become_overrides():
    v = Variant.parse("GN+WS+channels_last+bf16")
    assert (v.kind, v.options, v.label) == ("GN", ("WS", "channels_last", "bf16"), v.label)
    assert v.opts() == [
        "MODEL.NORM.TYPE", "GN", "MODEL.NORM.WS", "True",
        "MODEL.SPEED.CHANNELS_LAST", "True", "MODEL.SPEED.AMP_DTYPE", "bfloat16",
    ]  # fmt: skip
    assert v.is_group_norm and v.takes_group_setting
    ln = Variant.parse("LN")
    assert ln.is_group_norm and not ln.takes_group_setting
    assert not Variant.parse("FrozenBN+nofold").is_group_norm


def test_every_option_is_a_config_key():
    cfg = tiny_cfg()
    for key, _ in OPTIONS.values():
        node = cfg
        for part in key.split("."):
            node = node[part]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("XN", "--norms 'XN': unknown norm kind 'XN'; valid kinds: FrozenBN, BN"),
        ("GN+turbo", "unknown option(s) turbo; valid options: WS, channels_last"),
        ("FrozenBN+WS", "+WS needs GN, LN or IN, not FrozenBN"),
        ("", "unknown norm kind ''"),
    ],
)
def test_bad_variants_name_the_value(text, expected):
    with pytest.raises(VariantError) as info:
        Variant.parse(text)
    assert expected in str(info.value)
