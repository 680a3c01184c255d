"""Run gn_det's tools in a subprocess, as a user would, on the small test dataset."""

import atexit
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

from gn_det.utils.warning_filters import SHOW_ALL_ENV

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


def run_tool(name, *args, cwd, env=None, timeout=600):
    """``python tools/<name> ARGS`` in ``cwd``; the CompletedProcess (text output)."""
    return subprocess.run(
        [sys.executable, str(REPO / "tools" / name), *map(str, args)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# Tool servers (tests/tool_server.py) run by ``run_tools`` at a time: a case is mostly
# single-threaded, so two at a time take half the time on a 2-core machine.
BATCH_WORKERS = max(2, min(8, os.cpu_count() or 2))
TOOL_SERVER = REPO / "tests" / "tool_server.py"


def _needs_fresh_interpreter(env):
    """True for variables read when the tools import: Python's own, and the one that shows
    import-time warnings."""
    return any(key.startswith("PYTHON") or key == SHOW_ALL_ENV for key in env or {})


class ToolServer:
    """A tests/tool_server.py process, started on first use and kept for the test session."""

    def __init__(self):
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

    def run(self, tool, args, cwd, env):
        """The CompletedProcess of one case."""
        case = {"tool": tool, "args": [str(a) for a in args], "cwd": str(cwd),
                "env": {k: str(v) for k, v in (env or {}).items()}}  # fmt: skip
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


def _servers():
    if not _SERVERS:
        with ThreadPoolExecutor(BATCH_WORKERS) as pool:
            _SERVERS.extend(pool.map(lambda _: ToolServer(), range(BATCH_WORKERS)))
        atexit.register(lambda: [server.close() for server in _SERVERS])
    return _SERVERS


def run_tools(calls):
    """{key: CompletedProcess} for each ``{key: (tool, args, cwd, env)}``, as
    ``run_tool(tool, *args, cwd=cwd, env=env)`` would give, faster: ``BATCH_WORKERS`` tool
    servers (kept for the session) run the cases in forks of a process that has imported the
    tools once. A case whose
    ``env`` sets a variable read at start (``PYTHON*``, ``GN_DET_SHOW_WARNINGS``) gets its own
    interpreter."""
    fresh = {k: c for k, c in calls.items() if _needs_fresh_interpreter(c[3])}
    served = [(k, c) for k, c in calls.items() if k not in fresh]
    servers = _servers() if served else []

    def serve(server, cases):
        return [(key, server.run(*case)) for key, case in cases]

    with ThreadPoolExecutor(BATCH_WORKERS) as pool:
        futures = [pool.submit(serve, server, served[i :: len(servers)])
                   for i, server in enumerate(servers)]  # fmt: skip
        futures += [
            pool.submit(lambda k, c: [(k, run_tool(c[0], *c[1], cwd=c[2], env=c[3]))], k, c)
            for k, c in fresh.items()
        ]
        results = dict(item for future in futures for item in future.result())
    return {key: results[key] for key in calls}


def run_served(name, *args, cwd, env=None):
    """``run_tool(name, *args, cwd=cwd, env=env)`` through a tool server (see run_tools)."""
    return run_tools({name: (name, args, cwd, env)})[name]


def shapes_opts(small_shapes, test=True):
    """KEY VALUE options that register and use the small shapes splits (no test set if not
    ``test``)."""
    (train, *train_files), (val, *val_files) = small_shapes["train"], small_shapes["val"]
    return [
        "DATASETS.REGISTER_COCO", json.dumps([[train, *train_files], [val, *val_files]]),
        "DATASETS.TRAIN", f"('{train}',)",
        "DATASETS.TEST", f"('{val}',)" if test else "()",
    ]  # fmt: skip
