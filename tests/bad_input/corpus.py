"""Batches of bad-input cases: ``run_tools`` runs the tool invocations several at a time (each
is mostly the single-threaded start of Python, torch and detectron2, so on a 2-core machine
two at a time take half the time), ``snapshot`` records what a folder holds."""

import os
from concurrent.futures import ThreadPoolExecutor

from ..run_tools import run_tool
from .expect import tree_digest

WORKERS = max(2, min(8, os.cpu_count() or 2))


def run_tools(calls):
    """{key: CompletedProcess} of ``run_tool(tool, *args, cwd=cwd, env=env)`` for each
    ``{key: (tool, args, cwd, env)}``."""
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {
            key: pool.submit(run_tool, tool, *args, cwd=cwd, env=env)
            for key, (tool, args, cwd, env) in calls.items()
        }
        return {key: future.result() for key, future in futures.items()}


def snapshot(folder):
    """Every file's digest and every folder under ``folder``: equal snapshots mean nothing was
    created, changed or removed (empty folders included)."""
    folders = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_dir())
    return tree_digest(folder), folders
