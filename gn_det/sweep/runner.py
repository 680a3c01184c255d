"""Run a sweep's cells, ``jobs`` at a time: skip finished cells, resume unfinished ones, record
failures with their reason, and show overall progress with an ETA.

Each cell's state is kept in ``<cell>/sweep_cell.json`` (status, reason, wall time summed over
its attempts and saved every minute while it runs), so a sweep that is stopped or killed and
started again picks up where it was. With a results folder, every run that finishes (or fails)
is written to its ``runs.csv`` and ``curves.csv`` at once, its tables and claims are
regenerated, then the ``after_run`` shell command runs (e.g. a git commit).
"""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from ..utils.atomic_file import atomic_open
from .grid import SweepError
from .pretrained_weights import Fingerprints, check_same_weights, retrained_other_weights
from .records import run_fields, run_key
from .report import write_text_report
from .results import read_results, write_results

CELL_STATE = "sweep_cell.json"
CELL_LOG = "sweep.log"
# In the folder of a run that replaces a finished one (``rerun``): why, and what it replaces.
RERUN_NOTE = "rerun.txt"
# Exit statuses of a run that was stopped rather than failed: Ctrl-C in the tools (130) and
# death by a signal (negative): the run stays unfinished and resumes next time.
STOPPED = 130
# How often a running cell saves its summed wall time: a run killed outright (the end of a
# session) loses at most this much of it.
WALL_SAVE_S = 60.0


class CommandRunner:
    """Runs a cell's argv with its output appended to a log; ``stop`` ends every run still
    going (the sweep was stopped: they resume next time)."""

    def __init__(self):
        self._procs, self._lock = set(), threading.Lock()

    def __call__(self, argv, log_path):
        """The exit status of ``argv``."""
        with open(log_path, "a") as log:
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
            with self._lock:
                self._procs.add(proc)
            try:
                return proc.wait()
            except BaseException:
                proc.terminate()
                proc.wait()
                raise
            finally:
                with self._lock:
                    self._procs.discard(proc)

    def stop(self, grace_s=30):
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                proc.kill()


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


@contextlib.contextmanager
def saving_wall_time(folder, state, start):
    """While the block runs, rewrite ``state`` in ``folder`` every ``WALL_SAVE_S`` seconds with
    its ``wall_s`` grown by the time since ``start``, so that a kill keeps the count."""
    done = threading.Event()

    def save():
        while not done.wait(WALL_SAVE_S):
            write_state(folder, {**state, "wall_s": state["wall_s"] + time.monotonic() - start})

    thread = threading.Thread(target=save, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _copy_reason(cell):
    """The reason of a row recorded from ``cell``'s training instead of training it again."""
    return f"the training of {cell.name} (equal iterations at the base batch)"


def _rerun_note(folder):
    """The note of a run that replaced a finished one ("" for any other run)."""
    path = os.path.join(folder, RERUN_NOTE)
    if not os.path.isfile(path):
        return ""
    with open(path) as f:
        return f.read().strip()


def print_line(message):
    """``message`` and its newline in one write: worker threads' lines do not run together
    (``print`` writes the two separately)."""
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def _duration(seconds):
    m, s = divmod(int(round(seconds)), 60)
    return f"{m // 60}h{m % 60:02d}m" if m >= 60 else f"{m}m{s:02d}s"


class Sweep:
    """The cells of one task in ``out_dir``; ``run`` executes them ``jobs`` at a time
    (``runner(argv, log)`` gives an exit status; tests pass a fake) and writes
    ``results.csv`` after every cell. With ``records`` (a StudyRecords) each finished run is
    also written to the study's ``runs.csv``/``curves.csv`` under ``study``, then the
    ``after_run`` shell command runs with ``GN_DET_RUN`` and ``GN_DET_STATUS`` set."""

    def __init__(
        self,
        task,
        cells,
        out_dir,
        invalid=None,
        runner=None,
        log=print_line,
        jobs=1,
        records=None,
        study="",
        after_run="",
        rerun_missing="",
        rerun=(),
        rerun_reason="",
    ):
        self.task, self.cells, self.out_dir = task, list(cells), out_dir
        self.invalid = dict(invalid or {})
        self.runner, self.log = runner or CommandRunner(), log
        self.jobs = max(1, int(jobs))
        self.records, self.study, self.after_run = records, study or task.name, after_run
        self.rerun_missing = rerun_missing  # an output file a later step needs (backbone.pkl)
        self.rerun = self._rerun_cells(rerun, rerun_reason)  # finished runs to run again
        self.csv_path = os.path.join(out_dir, "results.csv")
        self.fingerprints = Fingerprints()
        self._stopping = threading.Event()
        self._record_lock = threading.Lock()

    def folder(self, cell):
        return os.path.join(self.out_dir, cell.name)

    def _rerun_cells(self, names, reason):
        """The cells named in ``names``; SweepError for a name that is not a run of the grid
        or a rerun without a reason (the replaced row must say why it was replaced)."""
        by_name = {cell.name: cell for cell in self.cells}
        unknown = [name for name in names if name not in by_name]
        if unknown:
            raise SweepError(
                f"--rerun {' '.join(unknown)}: not a run of this sweep "
                f"(its runs: {', '.join(sorted(by_name))})"
            )
        if names and not reason.strip():
            raise SweepError("--rerun needs --rerun-reason: why the finished runs are replaced")
        return {by_name[name]: reason.strip() for name in names}

    def _start_reruns(self):
        """Move each rerun cell's finished folder aside (to ``<folder>.replaced``) and leave a
        note saying why and what the new run replaces; a rerun already started (its folder
        has the note) resumes or stays finished, so the same command can be run again."""
        recorded = {}
        if self.records is not None:
            for r in self.records.runs():
                if r["status"] == "done":
                    recorded.setdefault(run_key(r), []).append(f"{r['metric']} {r['value']:g}")
        for cell, reason in self.rerun.items():
            folder = self.folder(cell)
            if os.path.isfile(os.path.join(folder, RERUN_NOTE)):
                continue
            if os.path.isdir(folder):
                aside = folder + ".replaced"
                if os.path.isdir(aside):
                    shutil.rmtree(aside)
                os.rename(folder, aside)
            old = recorded.get(run_key(run_fields(self.study, cell)))
            note = f"rerun: {reason}" + (f" (replaces {', '.join(old)})" if old else "")
            os.makedirs(folder)
            with atomic_open(os.path.join(folder, RERUN_NOTE), "w") as f:
                f.write(note + "\n")
            self.log(f"sweep: {cell.name} runs again: {note}")

    def row(self, cell):
        """The results.csv row of ``cell`` as it stands now."""
        folder = self.folder(cell)
        row = {
            "norm": cell.norm,
            "batch": cell.batch,
            "groups": cell.groups or None,
            "channels_per_group": cell.channels_per_group or None,
            "seed": cell.seed,
            "schedule": cell.schedule,
            "variant": cell.variant,
            "pretrain_seed": cell.pretrain_seed,
            "folder": os.path.relpath(folder, self.out_dir),
        }
        row.update(self.task.describe(cell))
        if cell in self.invalid:
            return {**row, "status": "invalid", "reason": self.invalid[cell]}
        state = read_state(folder)
        result = self.task.result(folder) if os.path.isdir(folder) else None
        row["weights"] = state.get("weights", "")
        if result is not None:
            return {"wall_s": state.get("wall_s"), **row, **result, "status": "done"}
        status = state.get("status") if state.get("status") == "failed" else "pending"
        return {
            **row,
            "wall_s": state.get("wall_s"),
            "status": status,
            "reason": state.get("reason", ""),
        }

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
        failed, ``jobs`` at a time; return the rows."""
        os.makedirs(self.out_dir, exist_ok=True)
        self._start_reruns()
        self._refresh_finished_reruns()
        self._record_twins()
        committed = self.recorded_done()
        todo = [c for c in self.cells if c not in committed and self._needs_run(c, retry_failed)]
        skipped = len(self.cells) - len(todo)
        self.log(
            f"sweep: {len(self.cells)} runs, {len(todo)} to run ({self.jobs} at a time), "
            f"{skipped} finished, failed or invalid (see {self.csv_path})"
        )
        if committed:
            self.log(
                f"sweep: {len(committed)} runs finished before, recorded in "
                f"{self.records.runs_path}, are not run again"
            )
        for cell, reason in self.invalid.items():
            self.log(f"sweep: {cell.name} invalid: {reason}")
        self._check_records()
        if self.records is not None:
            check_same_weights(self.records, self.study, self.task, todo, self.fingerprints)
        write_results(self.csv_path, self.task, self.rows())
        self._record_missing(exclude=set(todo))
        self._stopping.clear()
        start, spent, finished = time.monotonic(), [], 0
        pool = ThreadPoolExecutor(max_workers=self.jobs)
        futures = {pool.submit(self._run_cell, cell): cell for cell in todo}
        try:
            for future in as_completed(futures):
                cell = futures[future]
                seconds, row = future.result()
                finished += 1
                left = len(todo) - finished
                if row is None:
                    self.log(
                        f"sweep: [{finished}/{len(todo)}] {cell.name} stopped after "
                        f"{_duration(seconds)}; it resumes next time"
                    )
                else:
                    spent.append(seconds)
                    self._report_progress(
                        cell, row, seconds, finished, len(todo), left, start, spent
                    )
                write_results(self.csv_path, self.task, self.rows())
        except BaseException:
            self._stopping.set()
            for future in futures:
                future.cancel()
            stop = getattr(self.runner, "stop", None)
            if stop:
                stop()
            pool.shutdown(wait=True)
            raise
        pool.shutdown(wait=True)
        return self.rows()

    def _report_progress(self, cell, row, seconds, finished, total, left, start, spent):
        outcome = row["status"]
        if outcome == "done":
            outcome += " (" + ", ".join(f"{m} {row[m]:.1f}" for m in self.task.metrics) + ")"
        else:
            outcome += f": {row.get('reason', '')}"
        eta = sum(spent) / len(spent) * left / max(1, min(self.jobs, left or 1))
        self.log(
            f"sweep: [{finished}/{total}] {cell.name} {outcome} in {_duration(seconds)}; "
            f"elapsed {_duration(time.monotonic() - start)}, ETA {_duration(eta)}"
        )

    def recorded_done(self):
        """Cells without a finished run folder here whose run ``runs.csv`` records as done:
        on a new machine (scratch folders gone) the committed rows stand for them, unless the
        sweep was asked to keep an output (``rerun_missing``) that their folder lacks."""
        if self.records is None:
            return set()
        done = {run_key(r) for r in self.records.runs() if r["status"] == "done"}
        return {
            cell
            for cell in self.cells
            if run_key(run_fields(self.study, cell)) in done
            and cell not in self.rerun
            and self.row(cell)["status"] != "done"
            and not self._lacks_kept_output(cell)
        }

    def _lacks_kept_output(self, cell):
        return bool(self.rerun_missing) and not os.path.isfile(
            os.path.join(self.folder(cell), self.rerun_missing)
        )

    def recorded_twins(self):
        """{cell: its twin's done row in runs.csv} for the cells that train exactly as a run
        recorded under another schedule (``task.epochs_twin``: equal iterations at the base
        batch) and are neither finished here nor recorded themselves."""
        if self.records is None:
            return {}
        runs = self.records.runs()
        recorded = {run_key(r) for r in runs}
        done = {run_key(r): r for r in runs if r["status"] == "done"}
        twins = {}
        for cell in self.cells:
            twin = self.task.epochs_twin(cell)
            if twin is None or run_key(run_fields(self.study, cell)) in recorded:
                continue
            row = done.get(run_key(run_fields(self.study, twin)))
            if row is not None and row["epochs_or_iters"] == self.task.twin_length(cell):
                twins[cell] = row
        return twins

    def _record_twins(self):
        """Record each cell of ``recorded_twins`` with its twin's values and learning curve
        instead of training the same run again; the reason names the twin."""
        twins = self.recorded_twins()
        for cell in twins:
            twin = self.task.epochs_twin(cell)
            key = run_key(run_fields(self.study, twin))
            values = {r["metric"]: r["value"] for r in self.records.runs() if run_key(r) == key}
            curve = [
                (c["iteration"], c["epoch"], c["metric"], c["value"])
                for c in self.records.curves()
                if run_key(c) == key
            ]
            self.records.record(
                run_fields(self.study, cell, self.task.describe(cell)["epochs_or_iters"]),
                self.task.metrics,
                values,
                wall_s=0.0,
                reason=_copy_reason(twin),
                curve=curve,
                weights=twins[cell]["weights"],
            )
            self.log(f"sweep: {cell.name} is the same training as {twin.name}: recorded from it")
        if twins:
            self._recorded(next(iter(twins)).name, "recorded")

    def _needs_run(self, cell, retry_failed):
        if cell in self.invalid:
            return False
        status = self.row(cell)["status"]
        return status == "pending" or (status == "failed" and retry_failed)

    def _run_cell(self, cell):
        """Run one cell (in a worker thread): (seconds, its row), or (seconds, None) if it was
        stopped and stays to resume."""
        if self._stopping.is_set():
            return 0.0, None
        folder = self.folder(cell)
        state = read_state(folder)
        resume = bool(state)  # started before: continue from its last checkpoint
        os.makedirs(folder, exist_ok=True)
        self.log(f"sweep: {'resuming' if resume else 'starting'} {cell.name} in {folder}")
        wall = state.get("wall_s") or 0.0
        weights = {"weights": self.fingerprints(self.task.weights_for(cell))}
        running = {"status": "running", "wall_s": wall, **weights}
        write_state(folder, running)
        start = time.monotonic()
        log_path = os.path.join(folder, CELL_LOG)
        try:
            with saving_wall_time(folder, running, start):
                returncode = self.runner(self.task.command(cell, folder, resume), log_path)
        except BaseException:  # the sweep is stopped: the cell stays unfinished, to resume
            write_state(folder, {"status": "running", "wall_s": wall + time.monotonic() - start})
            raise
        seconds = time.monotonic() - start
        if self._stopping.is_set() or returncode == STOPPED or returncode < 0:
            write_state(folder, {"status": "running", "wall_s": wall + seconds, **weights})
            return seconds, None
        if self.rerun_missing:  # a pretraining: the fingerprint of the weights it wrote
            weights = {"weights": self.fingerprints(os.path.join(folder, self.rerun_missing))}
        state = {"status": "done", "wall_s": wall + seconds, **weights}
        if returncode != 0 or self.task.result(folder) is None:
            reason = failure_reason(log_path, returncode)
            if returncode == 0:
                reason = f"finished without a {'/'.join(self.task.metrics)} result"
            state.update(status="failed", reason=reason)
        write_state(folder, state)
        row = self.row(cell)
        with self._record_lock:  # before this worker starts its next run
            self._record(cell, row)
        return seconds, row

    def _record(self, cell, row, hook=True):
        """Write a finished or failed run to the study's records, then run the hook."""
        if self.records is None or row["status"] not in ("done", "failed"):
            return False
        fields = run_fields(self.study, cell, row.get("epochs_or_iters", ""))
        curve = self.task.curve(self.folder(cell), cell)
        weights = row.get("weights", "")
        other = retrained_other_weights(self.records, self.study, cell, weights)
        if other:
            self.log(
                f"sweep: warning: {cell.name} trained to other weights here ({weights}) than "
                f"its committed run ({other}): runs fine-tuned from the two are not comparable"
            )
        self.records.record(
            fields,
            self.task.metrics,
            row,
            wall_s=row.get("wall_s"),
            status=row["status"],
            reason=row.get("reason") or _rerun_note(self.folder(cell)),
            curve=curve,
            weights=weights,
        )
        if row["status"] == "done" and cell in self.rerun:
            self._refresh_copies(cell, row, curve)
        if hook:
            self._recorded(cell.name, row["status"])
        return True

    def _refresh_finished_reruns(self):
        """Bring the copies of finished reruns up to date (copies recorded from a run before
        it was rerun, by a sweep that did not refresh them)."""
        if self.records is None:
            return
        for cell in self.rerun:
            row = self.row(cell)
            if row["status"] == "done" and self._refresh_copies(cell, row):
                self._recorded(cell.name, "recorded")

    def _refresh_copies(self, cell, row, curve=None):
        """Rows recorded from ``cell``'s training (its equal-iterations twins, possibly of
        another sweep) take the values and curve of its rerun; True if any row changed."""
        reason = _copy_reason(cell)
        runs = self.records.runs()
        copies = {run_key(r): r for r in runs if r["reason"] == reason and r["study"] == self.study}
        if not copies:
            return False
        before = self.records.contents()
        curve = self.task.curve(self.folder(cell), cell) if curve is None else curve
        for copy in copies.values():
            fields = {k: copy[k] for k in run_fields(self.study, cell)}
            self.records.record(
                fields, self.task.metrics, row, wall_s=0.0, reason=reason, curve=curve,
                weights=row.get("weights", ""),
            )  # fmt: skip
        return self.records.contents() != before

    def _recorded(self, name, status):
        """After runs.csv changed: regenerate the study's tables and claims (so they always
        agree with it, also in a commit), then run the ``after_run`` shell command; a failure
        is logged, never fatal (the rows are in the files, the next successful hook takes them
        along)."""
        write_text_report(self.records.dir)
        if not self.after_run:
            return
        env = {
            **os.environ,
            "GN_DET_RUN": name,
            "GN_DET_STATUS": status,
            "GN_DET_RESULTS_DIR": self.records.dir,
        }
        try:
            code = subprocess.run(self.after_run, shell=True, env=env, timeout=900).returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
        if code != 0:
            self.log(
                f"sweep: --after-run failed ({code}) after {name}; its rows are in "
                f"{self.records.runs_path} and go with the next successful one"
            )

    def _check_records(self):
        """Refuse to mix schedules: a run that runs.csv holds with another length (e.g. 8
        epochs, and now 12) would be skipped or mixed into the same cell."""
        if self.records is None:
            return
        recorded = {run_key(r): r["epochs_or_iters"] for r in self.records.runs()}
        for cell in self.cells:
            length = self.task.describe(cell).get("epochs_or_iters", "")
            old = recorded.get(run_key(run_fields(self.study, cell)))
            if old is not None and old != length:
                raise SweepError(
                    f"{self.records.runs_path} holds run {cell.name} of study {self.study!r} "
                    f"with {old}, this sweep runs it with {length}: use another --results-dir "
                    "and --output-dir (or --study) for another schedule length"
                )

    def _record_missing(self, exclude):
        """Record finished or failed runs that the study's runs.csv lacks (the sweep stopped
        before writing them, or the results folder is new); then run the hook once."""
        if self.records is None:
            return
        recorded = self.records.recorded()
        added = []
        for cell in self.cells:
            if cell in self.invalid or cell in exclude:
                continue
            if run_key(run_fields(self.study, cell)) not in recorded:
                if self._record(cell, self.row(cell), hook=False):
                    added.append(cell.name)
        if added:
            self.log(f"sweep: recorded {len(added)} earlier runs in {self.records.runs_path}")
            self._recorded(added[-1], "recorded")
