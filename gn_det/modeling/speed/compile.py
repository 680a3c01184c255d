"""torch.compile of a module's forward (backbone + FPN), with a clean fallback to eager.

The compiled forward replaces ``module.forward`` on the instance, so parameters and
checkpoint keys stay those of the eager module (``torch.compile(module)`` would prefix
them with ``_orig_mod.``). Inductor fuses each GN with its ReLU into one pass. Where
compilation is unavailable, or fails on the first call, the module runs eagerly and the
reason is logged once.
"""

import logging

import torch

logger = logging.getLogger(__name__)


def compile_unavailable_reason():
    """Why torch.compile cannot be used here, or None if it can."""
    if not hasattr(torch, "compile"):
        return f"torch {torch.__version__} has no torch.compile"
    try:
        from torch import _dynamo

        if not _dynamo.is_dynamo_supported():
            return "TorchDynamo does not support this Python/platform"
    except Exception as e:  # a broken install must not stop the model from running
        return f"TorchDynamo cannot be imported ({type(e).__name__}: {e})"
    return None


class CompiledForward:
    """Calls the compiled forward; on a compilation error, warns once and stays eager."""

    def __init__(self, eager_forward, **compile_kwargs):
        self.eager_forward = eager_forward
        self.compiled_forward = torch.compile(eager_forward, **compile_kwargs)
        self.failed = None

    def __call__(self, *args, **kwargs):
        if self.failed is None:
            try:
                return self.compiled_forward(*args, **kwargs)
            except torch.OutOfMemoryError:
                raise
            except Exception as e:
                # A real error in the model raises again below, in eager mode.
                self.failed = f"{type(e).__name__}: {str(e).strip().splitlines()[0][:300]}"
                logger.warning(f"torch.compile failed, running eagerly: {self.failed}")
        return self.eager_forward(*args, **kwargs)


def compile_forward(module, **compile_kwargs):
    """Compile ``module.forward`` in place (lazily, on the first call); return True if it will
    be compiled, False if compilation is unavailable (the module stays eager)."""
    reason = compile_unavailable_reason()
    if reason is not None:
        logger.warning(f"MODEL.SPEED.COMPILE: {reason}; running eagerly")
        return False
    module.forward = CompiledForward(module.forward, **compile_kwargs)
    return True
