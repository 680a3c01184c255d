"""What gn_det needs to know about the installed detectron2."""

import importlib.util


def has_compiled_detectron2():
    """True if detectron2._C is a compiled extension, not gn_det's pure-Python stand-in."""
    spec = importlib.util.find_spec("detectron2._C")
    return bool(spec and spec.origin and spec.origin.endswith((".so", ".pyd")))
