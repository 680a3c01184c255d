"""Run a sweep's cells one after another: skip finished cells, resume unfinished ones, record
failures with their reason, and show overall progress with an ETA.

Each cell's state is kept in ``<cell>/sweep_cell.json`` (status, reason, wall time summed over
its attempts), so a sweep that is stopped and started again picks up where it was.
"""

import json
import os
import subprocess
import time

from ..utils.atomic_file import atomic_open
from .results import read_results, write_results

CELL_STATE = "sweep_cell.json"
CELL_LOG = "sweep.log"


def run_command(argv, log_path):
    """Run ``argv`` with its output appended to ``log_path``; its exit status. If the sweep is
    stopped meanwhile (Ctrl-C, SIGTERM), the run is stopped too (it resumes next time)."""
    with open(log_path, "a") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        try:
            return proc.wait()
        except BaseException:
            proc.terminate()
            proc.wait()
            raise


def failure_reason(log_path, returncode):
    """The last ``error:`` line of a failed run's output, else its last line and exit status."""
    lines = []
    if os.path.isfile(log_path):
        with open(log_path, errors="replace") as f:
            lines = [line.strip() for line in f if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    if errors:
        return errors[-1][len("error:") :].strip()
    last = f": {lines[-1][-200:]}" if lines else ""
    return f"exit status {returncode}{last}"


def read_state(folder):
    """A cell's saved state ({} if it never started)."""
    path = os.path.join(folder, CELL_STATE)
    if not os.path.isfile(path):
        return {}
    with open(path) as f:
        return json.load(f)


def write_state(folder, state):
    with atomic_open(os.path.join(folder, CELL_STATE), "w") as f:
        json.dump(state, f, indent=1)


def _duration(seconds):
    m, s = divmod(int(round(seconds)), 60)
    return f"{m // 60}h{m % 60:02d}m" if m >= 60 else f"{m}m{s:02d}s"


class Sweep:
    """The cells of one task in ``out_dir``; ``run`` executes them (``runner(argv, log)`` gives
    an exit status; tests pass a fake) and writes ``results.csv`` after every cell."""

    def __init__(self, task, cells, out_dir, invalid=None, runner=run_command, log=print):
        self.task, self.cells, self.out_dir = task, list(cells), out_dir
        self.invalid = dict(invalid or {})
        self.runner, self.log = runner, log
        self.csv_path = os.path.join(out_dir, "results.csv")

    def folder(self, cell):
        return os.path.join(self.out_dir, cell.name)

    def row(self, cell):
        """The results.csv row of ``cell`` as it stands now."""
        folder = self.folder(cell)
        row = {"norm": cell.norm, "batch": cell.batch, "groups": cell.groups or None,
               "channels_per_group": cell.channels_per_group or None,
               "folder": os.path.relpath(folder, self.out_dir)}  # fmt: skip
        row.update(self.task.describe(cell))
        if cell in self.invalid:
            return {**row, "status": "invalid", "reason": self.invalid[cell]}
        state = read_state(folder)
        result = self.task.result(folder) if os.path.isdir(folder) else None
        if result is not None:
            return {"wall_s": state.get("wall_s"), **row, **result, "status": "done"}
        status = state.get("status") if state.get("status") == "failed" else "pending"
        return {**row, "wall_s": state.get("wall_s"), "status": status,
                "reason": state.get("reason", "")}  # fmt: skip

    def rows(self):
        """Rows of this grid's cells, then those that earlier sweeps into the same folder left
        in results.csv (another grid: e.g. more norms at some batch sizes)."""
        rows = [self.row(cell) for cell in self.cells]
        if not os.path.isfile(self.csv_path):
            return rows
        current = {r["folder"] for r in rows}
        return rows + [r for r in read_results(self.csv_path) if r["folder"] not in current]

    def run(self, retry_failed=False):
        """Run every cell that is neither finished, invalid nor (unless ``retry_failed``)
        failed; return the rows."""
        os.makedirs(self.out_dir, exist_ok=True)
        todo = [c for c in self.cells if self._needs_run(c, retry_failed)]
        skipped = len(self.cells) - len(todo)
        self.log(f"sweep: {len(self.cells)} cells, {len(todo)} to run, {skipped} finished, "
                 f"failed or invalid (see {self.csv_path})")  # fmt: skip
        for cell, reason in self.invalid.items():
            self.log(f"sweep: {cell.name} invalid: {reason}")
        write_results(self.csv_path, self.task, self.rows())
        spent = []
        for i, cell in enumerate(todo, 1):
            seconds, row = self._run_cell(cell)
            spent.append(seconds)
            eta = sum(spent) / len(spent) * (len(todo) - i)
            outcome = row["status"]
            if outcome == "done":
                outcome += " (" + ", ".join(f"{m} {row[m]:.1f}" for m in self.task.metrics) + ")"
            else:
                outcome += f": {row.get('reason', '')}"
            self.log(f"sweep: [{i}/{len(todo)}] {cell.name} {outcome} in {_duration(seconds)}; "
                     f"elapsed {_duration(sum(spent))}, ETA {_duration(eta)}")  # fmt: skip
            write_results(self.csv_path, self.task, self.rows())
        return self.rows()

    def _needs_run(self, cell, retry_failed):
        if cell in self.invalid:
            return False
        status = self.row(cell)["status"]
        return status == "pending" or (status == "failed" and retry_failed)

    def _run_cell(self, cell):
        folder = self.folder(cell)
        state = read_state(folder)
        resume = bool(state)  # started before: continue from its last checkpoint
        os.makedirs(folder, exist_ok=True)
        self.log(f"sweep: {'resuming' if resume else 'starting'} {cell.name} in {folder}")
        wall = state.get("wall_s") or 0.0
        write_state(folder, {"status": "running", "wall_s": wall})
        start = time.monotonic()
        log_path = os.path.join(folder, CELL_LOG)
        try:
            returncode = self.runner(self.task.command(cell, folder, resume), log_path)
        except BaseException:  # the sweep is stopped: the cell stays unfinished, to resume
            write_state(folder, {"status": "running", "wall_s": wall + time.monotonic() - start})
            raise
        seconds = time.monotonic() - start
        state = {"status": "done", "wall_s": wall + seconds}
        if returncode != 0 or self.task.result(folder) is None:
            reason = failure_reason(log_path, returncode)
            if returncode == 0:
                reason = f"finished without a {'/'.join(self.task.metrics)} result"
            state.update(status="failed", reason=reason)
        write_state(folder, state)
        return seconds, self.row(cell)
