"""Assertions shared by the bad-input corpus."""

import hashlib
import os


def error_lines(text):
    return [line for line in text.splitlines() if line.startswith("error:")]


def assert_one_error(proc, expected, status=1):
    """``proc`` (a CompletedProcess with text output) exited with ``status`` after printing
    exactly one ``error:`` line that contains ``expected``, and no traceback."""
    output = proc.stdout + proc.stderr
    assert proc.returncode == status, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    errors = error_lines(output)
    assert len(errors) == 1, output[-3000:]
    assert expected in errors[0], errors[0]
    return errors[0]


def tree_digest(folder):
    """{relative path: sha256} of every file under ``folder``, and {relative path: "folder"}
    of every folder below it: equal digests mean nothing was created, changed or removed
    (empty folders included)."""
    digest = {}
    for root, folders, files in os.walk(folder):
        for name in folders:
            digest[os.path.relpath(os.path.join(root, name), folder)] = "folder"
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                digest[os.path.relpath(path, folder)] = hashlib.sha256(f.read()).hexdigest()
    return digest
