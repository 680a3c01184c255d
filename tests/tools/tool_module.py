"""Import a script of tools/ as a module, so tests can call its entry point in-process."""

import importlib.util

from ..conftest import REPO


def load_tool(name):
    """The module of ``tools/<name>.py`` (loaded fresh)."""
    spec = importlib.util.spec_from_file_location(f"tool_{name}", REPO / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
