"""ResNet depths by their blocks per stage, shared by every checkpoint layout."""

from ..utils.errors import GNDetError

# Blocks in res2..res5 for each depth; depths >= 50 use bottleneck blocks (3 convs).
STAGE_BLOCKS = {
    18: (2, 2, 2, 2),
    34: (3, 4, 6, 3),
    50: (3, 4, 6, 3),
    101: (3, 4, 23, 3),
    152: (3, 8, 36, 3),
}


class ConvertError(GNDetError, ValueError):
    """A source checkpoint that cannot be converted; the message says why and what to do."""


def resnet_depth(blocks, bottleneck):
    """The depth with ``blocks`` per stage and this block kind; ConvertError if none has."""
    for depth, counts in STAGE_BLOCKS.items():
        if tuple(blocks) == counts and (depth >= 50) == bottleneck:
            return depth
    kind = "bottleneck" if bottleneck else "basic"
    raise ConvertError(
        f"blocks per stage {tuple(blocks)} with {kind} blocks match no ResNet depth "
        f"({', '.join(f'R-{d}: {c}' for d, c in STAGE_BLOCKS.items())})"
    )


def check_depth(found, wanted):
    """ConvertError if ``wanted`` (--depth, or None) differs from the checkpoint's depth."""
    if wanted is not None and wanted != found:
        raise ConvertError(
            f"the checkpoint is a ResNet-{found} ({STAGE_BLOCKS[found]} blocks per stage), "
            f"not a ResNet-{wanted}: drop --depth or set MODEL.RESNETS.DEPTH {found}"
        )
