"""Benchmarked models live in worker processes, driven step by step over a pipe.

By default each model has a process of its own: separate processes give each model its own
peak memory (RSS or CUDA allocator) while the parent interleaves their steps; a worker that
runs out of memory says so, and one that is killed (e.g. by the kernel's OOM killer) is
reported, and the others go on. A worker can also hold several models (``--same-process``):
identical models then time alike to within about 1% on this CPU, where two processes running
the same model differed by up to 5% (memory placement), at the cost of per-model memory.
"""

import functools
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


def _attempt(fn):
    """("ok", fn()) or ("oom" | "error", description)."""
    try:
        return ("ok", fn())
    except Exception as e:
        kind = "oom" if is_out_of_memory(e) else "error"
        if kind == "error":
            traceback.print_exc()
        if kind == "oom" and torch.cuda.is_available():
            torch.cuda.empty_cache()
        return (kind, _describe(e))


def _reply(conn, fn):
    conn.send(_attempt(fn))


def _serve(conn, cfgs, bench_kwargs):
    import gn_det  # noqa: F401  (registers GNDetRCNN and the datasets in this process)

    from ..utils.warning_filters import ignore_known_warnings
    from .measure import ModelBench

    ignore_known_warnings()  # as in the tool's own process

    benches, built = {}, {}
    for label, cfg in cfgs.items():
        status, value = _attempt(lambda cfg=cfg: ModelBench(cfg, **bench_kwargs))
        if status == "ok":
            benches[label], value = value, value.info()
        built[label] = (status, value)
    conn.send(("ok", built))
    while True:
        command, label, arg = conn.recv()
        if command == "stop":
            break
        bench = benches[label]
        if command == "step":
            _reply(conn, functools.partial(bench.step, arg))
        elif command == "peaks":
            _reply(conn, functools.partial(dict, bench.peaks))
        elif command == "profile":
            _reply(conn, functools.partial(bench.profile, *arg))
    conn.close()


class ProcessRunner:
    """``ModelBench``es of ``cfgs`` ({label: cfg}) in one spawned process. ``models`` holds a
    ``Model`` per label (``info``, ``step(phase)``, ``peaks()``, ``profile(phase, steps)``),
    or the OutOfMemory/WorkerError its build raised."""

    def __init__(self, cfgs, **bench_kwargs):
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, cfgs, bench_kwargs), daemon=True)
        self.process.start()
        child.close()
        self.models = {}
        for label, (status, value) in self._receive().items():
            if status == "ok":
                self.models[label] = Model(self, label, value)
            else:
                self.models[label] = (OutOfMemory if status == "oom" else WorkerError)(value)

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

    def call(self, command, label, arg=None):
        self.conn.send((command, label, arg))
        return self._receive()

    def close(self):
        if self.process.is_alive():
            try:
                self.conn.send(("stop", None, None))
            except (BrokenPipeError, OSError):
                pass
            self.process.join(30)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


class Model:
    """One model of a ProcessRunner."""

    def __init__(self, runner, label, info):
        self.runner, self.label, self.info = runner, label, info

    def step(self, phase):
        return self.runner.call("step", self.label, phase)

    def peaks(self):
        return self.runner.call("peaks", self.label)

    def profile(self, phase, steps):
        return self.runner.call("profile", self.label, (phase, steps))
