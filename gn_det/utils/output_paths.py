"""Check where a tool will write before it does any work: a run that would fail at its last
step because its output is a folder, a file, or under a file fails at once instead.

The checks create nothing; the tool creates its folders when it writes.
"""

import os

from .errors import GNDetError


class OutputPathError(GNDetError, ValueError):
    """An output path that cannot be written; the message names the option and the path."""


def _nearest_existing(path):
    path = os.path.abspath(path)
    while not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return path


def check_output_dir(path, what):
    """``path`` (given as option ``what``, e.g. ``OUTPUT_DIR``) is a writable folder, or one
    that can be created; OutputPathError otherwise."""
    if not path:
        raise OutputPathError(f"{what} is empty; give a folder")
    if os.path.exists(path) and not os.path.isdir(path):
        raise OutputPathError(f"{what} {path} exists and is not a folder")
    existing = _nearest_existing(path)
    if not os.path.isdir(existing):
        raise OutputPathError(f"{what} {path} cannot be created: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        if existing == os.path.abspath(path):
            raise OutputPathError(f"{what} {path} is not writable")
        raise OutputPathError(f"{what} {path} cannot be created: {existing} is not writable")


def check_output_file(path, what):
    """``path`` (given as option ``what``, e.g. ``--out``) is a file that can be written:
    not a folder, in a folder that exists or can be created; OutputPathError otherwise."""
    if not path:
        raise OutputPathError(f"{what} is empty; give a file name")
    if os.path.isdir(path):
        raise OutputPathError(f"{what} {path} is a folder; give a file name")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise OutputPathError(f"{what} {path} is not writable")
    folder = os.path.dirname(os.path.abspath(path))
    existing = _nearest_existing(folder)
    if not os.path.isdir(existing):
        raise OutputPathError(f"{what} {path} cannot be written: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputPathError(f"{what} {path} cannot be written: {existing} is not writable")
