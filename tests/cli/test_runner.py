"""run_cli and the one error base: every tool ends a user error the same way."""

import ast
import errno
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import gn_det
from gn_det.cli import run_cli
from gn_det.cli.runner import INTERRUPTED_EXIT
from gn_det.utils.errors import GNDetError, Interrupted

from ..conftest import REPO

# Exceptions that are not user errors: benchmark cell outcomes shown in its table, and Ctrl-C.
NOT_USER_ERRORS = {"gn_det.benchmark.worker.OutOfMemory", "gn_det.benchmark.worker.WorkerError",
                   "gn_det.utils.errors.Interrupted"}  # fmt: skip


def test_user_error_is_one_line_and_exit_1():
    def main(argv):
        raise GNDetError(f"--thing {argv[0]} is not a thing")

    with pytest.raises(SystemExit) as info:
        run_cli(main, ["x"])
    assert info.value.code == "error: --thing x is not a thing"  # printed, exit status 1


def test_ctrl_c_is_exit_130(capsys):
    def main(argv):
        raise KeyboardInterrupt

    with pytest.raises(SystemExit) as info:
        run_cli(main, [])
    assert info.value.code == INTERRUPTED_EXIT
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "error,printed",
    [
        (KeyboardInterrupt(), "interrupted\n"),
        (Interrupted("training interrupted at iteration 7 of 9; ..."), "training interrupted at"),
        (Interrupted(""), ""),  # a worker process printed the line already
    ],
)
def test_ctrl_c_prints_one_line_from_the_trainer(capsys, error, printed):
    def main(argv):
        raise error

    with pytest.raises(SystemExit) as info:
        run_cli(main, [])
    assert info.value.code == INTERRUPTED_EXIT
    err = capsys.readouterr().err
    assert err.startswith(printed) and err.count("\n") == (1 if printed else 0)


def test_a_full_disk_is_one_line_and_other_os_errors_are_bugs():
    def full(argv):
        raise OSError(errno.ENOSPC, "No space left on device", "out/metrics.json")

    with pytest.raises(SystemExit) as info:
        run_cli(full, [])
    assert info.value.code == "error: could not write out/metrics.json (No space left on device)"

    def missing(argv):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "x")

    with pytest.raises(FileNotFoundError):
        run_cli(missing, [])


def test_a_bug_keeps_its_traceback_and_results_pass_through():
    def buggy(argv):
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        run_cli(buggy, [])
    assert run_cli(lambda argv: {"ap": 1.0}, []) == {"ap": 1.0}
    with pytest.raises(SystemExit) as info:
        run_cli(lambda argv: 1, [])
    assert info.value.code == 1


def _gn_det_exceptions():
    for module in pkgutil.walk_packages(gn_det.__path__, "gn_det."):
        if module.name.endswith("detectron2_C"):  # installed into detectron2 as its _C
            continue
        mod = importlib.import_module(module.name)
        for _, cls in inspect.getmembers(mod, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == mod.__name__:
                yield f"{cls.__module__}.{cls.__qualname__}", cls


def test_every_gn_det_exception_is_a_user_error():
    found = dict(_gn_det_exceptions())
    assert len(found) >= 15
    stray = [n for n, c in found.items() if not issubclass(c, GNDetError)]
    assert sorted(stray) == sorted(NOT_USER_ERRORS)


# Modules of gn_det/cli that the tools share: run_cli, argument checks, the run-folder lock.
CLI_HELPERS = {"runner", "arguments", "run_folder"}
CLI_TOOLS = sorted(
    m.name for m in pkgutil.iter_modules([str(Path(gn_det.__file__).parent / "cli")])
    if m.name not in CLI_HELPERS
)  # fmt: skip


@pytest.mark.parametrize("tool", CLI_TOOLS)
def test_every_tool_runs_main_through_run_cli(tool):
    module = importlib.import_module(f"gn_det.cli.{tool}")
    assert callable(module.main)
    calls = [n.func.id for n in ast.walk(ast.parse(inspect.getsource(module.run)))
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]  # fmt: skip
    assert "run_cli" in calls
    shim = REPO / "tools" / f"{tool}.py"
    if shim.exists():
        assert f"from gn_det.cli.{tool} import run" in shim.read_text()


def test_tools_are_thin():
    for shim in (REPO / "tools").glob("*.py"):
        if shim.name == "install_detectron2.py":  # runs before gn_det is installed
            continue
        assert (REPO / "gn_det" / "cli" / shim.name).is_file(), shim.name
        assert len(shim.read_text().splitlines()) < 20, shim.name
