"""Command-line checks shared by the tools. A bad argument is a usage error, as argparse
makes it: the usage, one line saying what is wrong, exit status 2."""

import argparse


def positive(kind=int):
    """An argparse ``type``: a number > 0."""

    def parse(text):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return value

    return parse


def non_negative(kind=int):
    """An argparse ``type``: a number >= 0."""

    def parse(text):
        value = kind(text)
        if value < 0:
            raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
        return value

    return parse


def check_overrides(parser, opts):
    """A flag written after the trailing ``KEY VALUE`` overrides (argparse hands it to them) is
    a usage error that says so, instead of 'Non-existent key: --num-gpus' later."""
    for i, item in enumerate(opts or ()):
        if item.startswith("--") or (i % 2 == 0 and item.startswith("-")):
            parser.error(
                f"{item} comes after the KEY VALUE overrides ({opts[0]} ...): options go before "
                "KEY VALUE overrides"
            )


def check_launch(parser, args):
    """detectron2's launch flags: at least one process and machine, a machine rank in range."""
    if args.num_gpus < 1:
        parser.error(f"argument --num-gpus: must be >= 1, got {args.num_gpus}")
    if args.num_machines < 1:
        parser.error(f"argument --num-machines: must be >= 1, got {args.num_machines}")
    if not 0 <= args.machine_rank < args.num_machines:
        parser.error(
            f"argument --machine-rank: must be in 0..{args.num_machines - 1} "
            f"(--num-machines {args.num_machines}), got {args.machine_rank}"
        )


def parse_args(parser, argv=None):
    """``parser.parse_args(argv)`` with the checks above (launch flags if the parser has them)."""
    args = parser.parse_args(argv)
    check_overrides(parser, getattr(args, "opts", None))
    if hasattr(args, "num_gpus"):
        check_launch(parser, args)
    return args
