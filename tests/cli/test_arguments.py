"""Usage errors: argparse's usage and exit status 2, with a hint for flags after overrides."""

import argparse

import pytest
from detectron2.engine import default_argument_parser

from gn_det.cli.arguments import non_negative, parse_args, positive


def usage_error(capsys, parser, argv):
    with pytest.raises(SystemExit) as info:
        parse_args(parser, argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: ")
    return err.splitlines()[-1]


@pytest.mark.parametrize(
    "argv,flag",
    [
        (["--config-file", "c.yaml", "SOLVER.MAX_ITER", "9", "--num-gpus", "2"], "--num-gpus"),
        (["SOLVER.MAX_ITER", "9", "--resume"], "--resume"),
        (["SOLVER.MAX_ITER", "9", "-h"], "-h"),
        (["SOLVER.MAX_ITER", "--eval-only"], "--eval-only"),
    ],
)
def test_a_flag_after_the_overrides_gets_a_hint(capsys, argv, flag):
    line = usage_error(capsys, default_argument_parser(), argv)
    assert f"error: {flag} comes after the KEY VALUE overrides (" in line
    assert line.endswith("options go before KEY VALUE overrides")


def test_negative_values_and_flags_before_the_overrides_are_fine():
    args = parse_args(
        default_argument_parser(),
        ["--num-gpus", "2", "--config-file", "c.yaml", "MODEL.PIXEL_STD", "[1,1,1]",
         "SOLVER.BASE_LR", "-0.1", "MODEL.BACKBONE.FREEZE_AT", "-1"],
    )  # fmt: skip
    assert args.num_gpus == 2 and args.opts[-1] == "-1"


@pytest.mark.parametrize(
    "argv,expected",
    [
        (["--num-gpus", "0"], "argument --num-gpus: must be >= 1, got 0"),
        (["--num-machines", "-1"], "argument --num-machines: must be >= 1, got -1"),
        (
            ["--num-machines", "2", "--machine-rank", "2"],
            "argument --machine-rank: must be in 0..1",
        ),
    ],
)
def test_launch_counts(capsys, argv, expected):
    assert expected in usage_error(capsys, default_argument_parser(), argv)


def test_count_types(capsys):
    p = argparse.ArgumentParser()
    p.add_argument("--num", type=positive(int))
    p.add_argument("--epochs", type=non_negative(int))
    assert parse_args(p, ["--num", "3", "--epochs", "0"]).num == 3
    assert "argument --num: must be > 0, got -3" in usage_error(capsys, p, ["--num", "-3"])
    assert "argument --epochs: must be >= 0, got -1" in usage_error(capsys, p, ["--epochs", "-1"])
