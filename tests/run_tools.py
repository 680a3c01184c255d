"""Run gn_det's tools as a user would (``python tools/<tool> ARGS``), on the small test dataset."""

import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

from gn_det.utils.cpu_threads import usable_cpus

from .conftest import REPO

# Tiny, fast training on the small shapes data (CPU, no data-loader workers).
FAST_TRAINING = [
    "SOLVER.IMS_PER_BATCH", 2,
    "SOLVER.STEPS", "()",
    "SOLVER.WARMUP_ITERS", 2,
    "INPUT.MIN_SIZE_TRAIN", "(96,)",
    "INPUT.MIN_SIZE_TEST", 96,
    "DATALOADER.NUM_WORKERS", 0,
]  # fmt: skip


def run_fresh(name, *args, cwd, env=None, timeout=600):
    """``python tools/<name> ARGS`` in ``cwd``, in a new interpreter; the CompletedProcess
    (text output)."""
    return subprocess.run(
        [sys.executable, str(REPO / "tools" / name), *map(str, args)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_tool(name, *args, cwd, env=None, timeout=600):
    """What ``python tools/<name> ARGS`` in ``cwd`` gives (a CompletedProcess with text
    output), run by a tool server (see ``run_tools``) unless ``env`` is given."""
    return run_tools({name: (name, args, cwd, env)}, timeout=timeout)[name]


# Tool servers (tests/tool_server.py) that run cases at a time: a case is mostly
# single-threaded, so two at a time take half the time on a 2-core machine.
BATCH_WORKERS = max(2, min(8, usable_cpus()))
TOOL_SERVER = REPO / "tests" / "tool_server.py"


class ToolServer:
    """A tests/tool_server.py process, started on first use and kept for the test session."""

    def __init__(self):
        self.lock = threading.Lock()
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, str(TOOL_SERVER)], cwd=REPO, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.log, text=True,
        )  # fmt: skip
        self._reply("start")

    def _reply(self, what):
        reply = self.process.stdout.readline()
        if not reply:
            self.log.seek(0)
            output = self.log.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"the tool server stopped ({what}):\n{output}")
        return json.loads(reply)

    def run(self, tool, args, cwd, timeout):
        """The CompletedProcess of one case (killed after ``timeout`` seconds: SIGALRM)."""
        case = {"tool": tool, "args": [str(a) for a in args], "cwd": str(cwd),
                "timeout": timeout}  # fmt: skip
        with self.lock:
            self.process.stdin.write(json.dumps(case) + "\n")
            self.process.stdin.flush()
            reply = self._reply(f"while running {case}")
        argv = [sys.executable, str(REPO / "tools" / tool), *case["args"]]
        return subprocess.CompletedProcess(argv, **reply)

    def close(self):
        self.process.stdin.close()
        self.process.wait()
        self.log.close()


_SERVERS = []
_SERVERS_LOCK = threading.Lock()


def _servers():
    with _SERVERS_LOCK:
        if not _SERVERS:
            with ThreadPoolExecutor(BATCH_WORKERS) as pool:
                _SERVERS.extend(pool.map(lambda _: ToolServer(), range(BATCH_WORKERS)))
            atexit.register(lambda: [server.close() for server in _SERVERS])
    return _SERVERS


def run_tools(calls, timeout=600):
    """{key: CompletedProcess} for each ``{key: (tool, args, cwd, env)}``: what
    ``python tools/<tool> ARGS`` in ``cwd`` gives. ``BATCH_WORKERS`` tool servers (kept for the
    session) run the cases, each in a fork of a process that has imported the tools once
    (the 5-10 s start of Python, torch and detectron2 paid once, not per case). A case with
    an ``env`` runs in a new interpreter (``run_fresh``): environment variables may be read
    when the tools import (``PYTHON*``, ``GN_DET_SHOW_WARNINGS``, ``OMP_NUM_THREADS``, ...)."""
    fresh = {k: c for k, c in calls.items() if c[3]}
    served = [(k, c[:3]) for k, c in calls.items() if k not in fresh]
    servers = _servers() if served else []

    def serve(server, cases):
        return [(key, server.run(*case, timeout)) for key, case in cases]

    def start(key, tool, args, cwd, env):
        return [(key, run_fresh(tool, *args, cwd=cwd, env=env, timeout=timeout))]

    with ThreadPoolExecutor(BATCH_WORKERS) as pool:
        futures = [pool.submit(serve, server, served[i :: len(servers)])
                   for i, server in enumerate(servers)]  # fmt: skip
        futures += [pool.submit(start, k, *c) for k, c in fresh.items()]
        results = dict(item for future in futures for item in future.result())
    return {key: results[key] for key in calls}


def shapes_opts(small_shapes, test=True):
    """KEY VALUE options that register and use the small shapes splits (no test set if not
    ``test``)."""
    (train, *train_files), (val, *val_files) = small_shapes["train"], small_shapes["val"]
    return [
        "DATASETS.REGISTER_COCO", json.dumps([[train, *train_files], [val, *val_files]]),
        "DATASETS.TRAIN", f"('{train}',)",
        "DATASETS.TEST", f"('{val}',)" if test else "()",
    ]  # fmt: skip
