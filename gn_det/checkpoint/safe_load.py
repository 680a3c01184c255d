"""Read weights files without running code in them: the one loader behind checkpoints,
``MODEL.WEIGHTS``, converters, pretraining resume and distillation teachers.

The format comes from the content, not the name, so ``model.PKL`` loads and a text file named
``.pth`` is refused with one line: a torch zip file (``PK``), a safetensors file (an 8-byte
header size, then a JSON header), or a pickle (``\\x80`` and a protocol byte; torch's legacy
format is such a pickle). Only pickles of protocol 0/1 carry no mark: they are recognized by a
``.pkl``/``.pickle`` name. Torch files load with ``torch.load(weights_only=True)``, pickles
through an unpickler that builds only containers, numbers, strings and NumPy arrays, and any
failure to parse the untrusted bytes is a CheckpointError naming the file.
"""

import json
import os
import pickle
import string
import zipfile

import torch

from ..utils.errors import GNDetError

# (module, name) pairs a weights pickle may reference: NumPy arrays and plain containers.
_ALLOWED_GLOBALS = {
    ("collections", "OrderedDict"),
    ("_codecs", "encode"),  # bytes pickled by Python 2 (Detectron's Caffe2 files)
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
}
PICKLE_NAMES = (".pkl", ".pickle")
FORMAT_NAMES = {
    "torch": "torch file",
    "pickle": "weights pickle",
    "safetensors": "safetensors file",
}
# Largest safetensors JSON header read by the cheap check (real ones are kilobytes).
MAX_SAFETENSORS_HEADER = 100 * 2**20


class CheckpointError(GNDetError, ValueError):
    """A checkpoint file that is missing, empty, truncated or not a checkpoint."""


class UnsafeCheckpointError(GNDetError, pickle.UnpicklingError):
    """A checkpoint pickle that references something other than weights."""


def _describe(head):
    """How the first bytes of a file look, for an error message."""
    text = head[:16].decode("latin1")
    if all(c in string.printable for c in text):
        return f"text {text!r}"
    return f"bytes {head[:16]!r}"


def _safetensors_damage(f, size):
    """Why ``f`` is not a safetensors file (an 8-byte header length, then that many bytes of
    JSON starting with ``{``), or None if it is one."""
    f.seek(0)
    head = f.read(9)
    length = int.from_bytes(head[:8], "little")
    if len(head) < 9 or head[8:9] != b"{":
        return "no JSON header after 8 bytes"
    if not 2 <= length <= min(size - 8, MAX_SAFETENSORS_HEADER):
        return f"its header claims {length} bytes, the file has {size}"
    f.seek(8)
    try:
        json.loads(f.read(length))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return f"its header is not JSON ({e})"
    return None


def weights_format(path):
    """The format of ``path`` by its content: "torch", "pickle" or "safetensors". Cheap (reads
    the first bytes, a zip directory or a safetensors header); CheckpointError if ``path`` is
    missing, empty, truncated, or none of these."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        what = "is a directory" if os.path.isdir(path) else "does not exist"
        raise CheckpointError(f"{path} {what}; expected a checkpoint file")
    size = os.path.getsize(path)
    if size == 0:
        raise CheckpointError(f"{path} is empty (0 bytes); expected a checkpoint file")
    with open(path, "rb") as f:
        head = f.read(16)
        if head.startswith(b"PK"):
            try:
                with zipfile.ZipFile(f):
                    return "torch"
            except zipfile.BadZipFile:
                raise CheckpointError(
                    f"{path} is truncated or damaged (a torch file without its zip directory)"
                ) from None
        damage = _safetensors_damage(f, size)
    if damage is None:
        return "safetensors"
    # A safetensors header length can start with these bytes too: its check comes first.
    if len(head) > 1 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return "torch" if head.startswith(b"\x80\x02\x8a\x0a") else "pickle"
    if head[8:9] == b"{":
        raise CheckpointError(f"{path} is a damaged safetensors file: {damage}")
    if path.lower().endswith(PICKLE_NAMES):
        return "pickle"
    raise CheckpointError(
        f"{path} is not a checkpoint: its content is none of a torch file, a pickle or "
        f"safetensors (it starts with {_describe(head)})"
    )


def check_checkpoint_file(path):
    """Raise CheckpointError unless ``path`` looks like a readable weights file (see
    ``weights_format``); tensors are not read."""
    weights_format(path)


class WeightsUnpickler(pickle.Unpickler):
    """An unpickler that refuses every global outside ``_ALLOWED_GLOBALS``."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise UnsafeCheckpointError(
            f"refusing to load {module}.{name}: a weights file holds only arrays and containers"
        )


def load_weights_pickle(file_obj):
    """Unpickle a weights ``.pkl`` (Detectron/detectron2 formats) without running its code."""
    return WeightsUnpickler(file_obj, encoding="latin1").load()


def _detail(error):
    """The telling line of a loading error: for torch's weights-only refusals the line naming
    the global or the unsupported operation, else the first line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    found = next((x for x in lines if "GLOBAL" in x or x.startswith("Unsupported")), None)
    return (found or (lines[0] if lines else ""))[:200]


def _read(path, fmt):
    if fmt == "torch":
        return torch.load(path, map_location="cpu", weights_only=True)
    if fmt == "safetensors":
        from safetensors.torch import load_file

        return load_file(path)
    with open(path, "rb") as f:
        return load_weights_pickle(f)


def load_weights_file(path):
    """(format, content) of a weights file, loaded without running code in it.

    UnsafeCheckpointError for a file that would run code; CheckpointError for any file that
    cannot be read as its format (truncated, damaged, not weights)."""
    path = os.fspath(path)
    fmt = weights_format(path)
    try:
        return fmt, _read(path, fmt)
    except UnsafeCheckpointError as e:
        raise UnsafeCheckpointError(f"{path}: {e}") from None
    except Exception as e:  # parsing untrusted bytes: any failure means a damaged file
        detail = _detail(e)
        if fmt == "torch" and "GLOBAL" in detail:  # torch's weights-only unpickler refused it
            raise UnsafeCheckpointError(f"{path}: refusing to load: {detail}") from None
        raise CheckpointError(
            f"{path} cannot be read as a {FORMAT_NAMES[fmt]} ({type(e).__name__}: {detail})"
            f"{_unmarked_start(path, fmt)}"
        ) from None


def _unmarked_start(path, fmt):
    """For a pickle recognized by its name only (no protocol mark), how the file starts: a
    text file named ``.pkl`` then reads as one, not as a damaged pickle."""
    with open(path, "rb") as f:
        head = f.read(16)
    if fmt != "pickle" or head[:1] == b"\x80":
        return ""
    return f"; it starts with {_describe(head)}, not a pickle's protocol mark"
