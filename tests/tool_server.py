"""Run many short tool invocations fast: this process imports every tool's module once, then
runs each invocation in a fork of itself (``run_tools`` in tests/run_tools.py starts it).

Each child runs ``tools/<tool>`` as ``python tools/<tool> ARGS`` would (``__main__``, argv,
working folder, stdout and stderr to files, exit handlers, the interpreter's
exit status for SystemExit and uncaught exceptions), so a case sees the tool as a user does,
without paying the 5-10 s start of Python, torch and detectron2 each time. A case that sets
environment variables (they may be read while importing) gets a fresh interpreter instead.

Protocol: one JSON object per line on stdin (``tool``, ``args``, ``cwd``, ``timeout``), one
per line on stdout (``returncode``, ``stdout``, ``stderr``).
"""

import atexit
import importlib
import json
import os
import pkgutil
import runpy
import signal
import sys
import tempfile
import traceback

TOOLS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools")


def preload():
    """Import every module of gn_det/cli (what the tools import)."""
    import gn_det.cli

    for module in pkgutil.iter_modules(gn_det.cli.__path__):
        importlib.import_module(f"gn_det.cli.{module.name}")


def exit_status(code):
    """The exit status of ``sys.exit(code)``, printing a message code as the interpreter does."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def run_child(case, out, err):
    """In the forked child: run the tool script and end the process with its exit status."""
    status = 1
    try:
        signal.alarm(case["timeout"])  # as subprocess.run's timeout
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        os.chdir(case["cwd"])
        script = os.path.join(TOOLS, case["tool"])
        sys.argv = [script, *case["args"]]
        sys.orig_argv = [sys.executable, *sys.argv]
        sys.path[0] = TOOLS
        try:
            runpy.run_path(script, run_name="__main__")
            status = 0
        except SystemExit as e:
            status = exit_status(e.code)
        except BaseException:
            traceback.print_exc()
        atexit._run_exitfuncs()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def run_case(case):
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:
            run_child(case, out, err)
        _, wait_status = os.waitpid(pid, 0)
        texts = []
        for f in (out, err):
            f.seek(0)
            texts.append(f.read().decode("utf-8", errors="replace"))
    return {"returncode": os.waitstatus_to_exitcode(wait_status), "stdout": texts[0],
            "stderr": texts[1]}  # fmt: skip


def serve():
    preload()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        print(json.dumps(run_case(json.loads(line))), flush=True)


if __name__ == "__main__":
    serve()
