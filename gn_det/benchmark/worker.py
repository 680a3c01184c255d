"""Each benchmarked model lives in its own worker process, driven step by step over a pipe.

Separate processes give each model its own peak memory (RSS or CUDA allocator) while the
parent interleaves their steps; a worker that runs out of memory says so, and one that is
killed (e.g. by the kernel's OOM killer) is reported, and the others go on.
"""

import multiprocessing as mp
import traceback

import torch

from .memory import is_out_of_memory


class OutOfMemory(RuntimeError):
    """A model or step ran out of memory."""


class WorkerError(RuntimeError):
    """A model or step failed for another reason; the message is the worker's error."""


def _describe(error):
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0][:300] if lines else ''}"


def _reply(conn, fn):
    try:
        conn.send(("ok", fn()))
    except Exception as e:
        kind = "oom" if is_out_of_memory(e) else "error"
        if kind == "error":
            traceback.print_exc()
        conn.send((kind, _describe(e)))
        if kind == "oom" and torch.cuda.is_available():
            torch.cuda.empty_cache()


def _serve(conn, cfg, bench_kwargs):
    import gn_det  # noqa: F401  (registers GNDetRCNN and the datasets in this process)

    from ..utils.warning_filters import ignore_known_warnings
    from .measure import ModelBench

    ignore_known_warnings()  # as in the tool's own process

    bench = None

    def build():
        nonlocal bench
        bench = ModelBench(cfg, **bench_kwargs)
        return bench.info()

    _reply(conn, build)
    while True:
        command, arg = conn.recv()
        if command == "stop":
            break
        if command == "step":
            _reply(conn, lambda phase=arg: bench.step(phase))
        elif command == "peaks":
            _reply(conn, lambda: dict(bench.peaks))
    conn.close()


class ProcessRunner:
    """A ``ModelBench`` in a spawned process: ``info``, ``step(phase)``, ``peaks()``."""

    def __init__(self, cfg, **bench_kwargs):
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, cfg, bench_kwargs), daemon=True)
        self.process.start()
        child.close()
        self.info = self._receive()

    def _receive(self):
        try:
            status, value = self.conn.recv()
        except EOFError:
            self.process.join(5)
            code = self.process.exitcode
            if code == -9:
                raise OutOfMemory(f"worker killed by signal {-code} (out of memory?)") from None
            raise WorkerError(f"worker process died (exit code {code})") from None
        if status == "oom":
            raise OutOfMemory(value)
        if status == "error":
            raise WorkerError(value)
        return value

    def _call(self, command, arg=None):
        self.conn.send((command, arg))
        return self._receive()

    def step(self, phase):
        return self._call("step", phase)

    def peaks(self):
        return self._call("peaks")

    def close(self):
        if self.process.is_alive():
            try:
                self.conn.send(("stop", None))
            except (BrokenPipeError, OSError):
                pass
            self.process.join(30)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
