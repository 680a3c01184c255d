"""The documented rule for every cell: linear learning-rate scaling with the batch size and,
by default, equal epochs (the same number of training images) in every cell.

With a base of ``IMS_PER_BATCH`` images at ``BASE_LR`` (the config's, unless given), a cell
of ``b`` images per batch trains at ``BASE_LR * b / base`` (Goyal et al., 2017) and, for
equal epochs, scales ``MAX_ITER``, ``STEPS``, ``WARMUP_ITERS`` and ``CHECKPOINT_PERIOD``
by ``base / b`` (and ``TEST.EVAL_PERIOD``, so every cell is evaluated at the same epochs).
``train_images`` shrinks or grows the whole schedule to that many images, and ``scale``
multiplies it (``--schedule-scale 2``: twice as long, labelled ``epochs_x2``), which is how a
sweep shows that doubling the schedule no longer moves the result (convergence).
"""

from dataclasses import dataclass

from .grid import SweepError

SCHEDULES = ("epochs", "iters")


@dataclass(frozen=True)
class BaseSchedule:
    """The schedule every cell is derived from."""

    batch: int
    lr: float
    max_iter: int = 0
    steps: tuple = ()
    warmup_iters: int = 0
    checkpoint_period: int = 0
    train_images: int = 0  # images per cell (0: the config's MAX_ITER x IMS_PER_BATCH)
    equal: str = "epochs"  # or "iters": the config's iterations in every cell
    scale: float = 1.0  # schedule length multiplier (2: twice the iterations or epochs)
    eval_period: int = 0  # TEST.EVAL_PERIOD of the config (0: evaluate at the end only)

    @classmethod
    def from_config(cls, cfg, batch=0, lr=0.0, train_images=0, equal="epochs", scale=1.0, evals=0):
        """The config's SOLVER schedule, with ``batch``/``lr`` as base if given (> 0); with
        ``evals`` (> 0) every cell is evaluated that many times (TEST.EVAL_PERIOD)."""
        if equal not in SCHEDULES:
            raise SweepError(f"--schedule {equal!r}: use one of {', '.join(SCHEDULES)}")
        if not scale > 0:
            raise SweepError(f"--schedule-scale {scale}: must be > 0")
        solver = cfg.SOLVER
        base = cls(
            batch=batch or solver.IMS_PER_BATCH,
            lr=lr or solver.BASE_LR,
            max_iter=solver.MAX_ITER,
            steps=tuple(solver.STEPS),
            warmup_iters=solver.WARMUP_ITERS,
            checkpoint_period=solver.CHECKPOINT_PERIOD,
            train_images=train_images,
            equal=equal,
            scale=float(scale),
            eval_period=round(solver.MAX_ITER / evals) if evals > 0 else cfg.TEST.EVAL_PERIOD,
        )
        if base.batch <= 0:
            raise SweepError(f"base batch size {base.batch} (SOLVER.IMS_PER_BATCH): must be > 0")
        if base.lr <= 0:
            raise SweepError(f"base learning rate {base.lr} (SOLVER.BASE_LR): must be > 0")
        if evals < 0 or (evals and base.eval_period < 1):
            raise SweepError(f"--evals-per-run {evals}: must be between 0 and SOLVER.MAX_ITER")
        if train_images < 0:
            raise SweepError(f"--train-images {train_images}: must be >= 0")
        return base

    @property
    def label(self):
        """The schedule's name in folder names and runs.csv: ``epochs``, ``iters``,
        ``epochs_x2``, ..."""
        return self.equal if self.scale == 1 else f"{self.equal}_x{self.scale:g}"

    def lr_for(self, batch):
        """Linear scaling: the base LR times ``batch / base batch``."""
        return self.lr * batch / self.batch

    def iter_factor(self, batch):
        """By how much the cell's iteration counts differ from the config's."""
        factor = self.batch / batch if self.equal == "epochs" else 1.0
        factor *= self.scale
        if self.train_images:
            factor *= self.train_images / (self.max_iter * self.batch)
        return factor

    def solver_opts(self, batch):
        """``KEY VALUE`` overrides of SOLVER.* for a cell of ``batch`` images per batch."""
        k = self.iter_factor(batch)
        max_iter = max(1, round(self.max_iter * k))
        steps = tuple(s for s in (round(s * k) for s in self.steps) if 0 < s < max_iter)
        evals = ["TEST.EVAL_PERIOD", str(max(1, round(self.eval_period * k)))]
        return [
            "SOLVER.IMS_PER_BATCH", str(batch),
            "SOLVER.BASE_LR", f"{self.lr_for(batch):.6g}",
            "SOLVER.MAX_ITER", str(max_iter),
            "SOLVER.STEPS", str(steps),
            "SOLVER.WARMUP_ITERS", str(min(round(self.warmup_iters * k), max_iter)),
            "SOLVER.CHECKPOINT_PERIOD", str(max(1, round(self.checkpoint_period * k))),
            *(evals if self.eval_period > 0 else []),
        ]  # fmt: skip
