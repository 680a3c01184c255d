"""One model under measurement: built from a config, fed fixed inputs, timed step by step.

Inputs are prepared once (real data from the config's datasets, or synthetic images), so a
step times the model alone. A step's timed region holds that step's work only: the model is
switched to training or eval mode (which folds FrozenBN) before the timer starts, and only
when the phase changes, as a deployed model is set up once; the harness runs warm-up steps
(first-call allocations, oneDNN primitive creation, compilation) before it measures, and
keeps freed memory for reuse, so no step pays page faults for memory that glibc gave back to
the kernel after the step before (see ``memory.keep_freed_memory``). Each
step reports wall time and the worker process's CPU time: on a machine shared with other
jobs, CPU time is the steadier of the two (time spent waiting for a core is not in it).
Training steps use SGD with learning rate 0: the optimizer does all its work but the network
stays the same one, calibrated and sane, at every step.
Inference runs one image per call, with SCORE_THRESH_TEST 0 set by the benchmark so every
model sends the same number of detections (DETECTIONS_PER_IMAGE) through the mask head.
"""

import contextlib
import itertools
import time

import torch
from detectron2.data import build_detection_test_loader, build_detection_train_loader
from detectron2.modeling import build_model
from detectron2.solver import build_optimizer
from detectron2.utils.env import seed_all_rng
from detectron2.utils.events import EventStorage
from torch.profiler import record_function

from ..data import prepare_datasets
from .calibrate import calibrate_frozen_bn
from .memory import current_rss_mb, keep_freed_memory, peak_mb, release_freed_memory, reset_peak
from .profile import BACKWARD, OPTIMIZER, profile_steps
from .synthetic import synthetic_inputs

PHASES = ("train", "infer")


def _without_annotations(inputs):
    return [{k: v for k, v in d.items() if k != "instances"} for d in inputs]


def load_inputs(cfg, batch, num_batches, synthetic=None, seed=0):
    """(training batches, test images): synthetic ``(h, w)`` images, or the config's data.
    The same ``seed`` gives the same inputs in every process (an A/A control needs them)."""
    if synthetic is not None:
        images = synthetic_inputs(
            batch * num_batches, *synthetic, cfg.MODEL.ROI_HEADS.NUM_CLASSES, seed=seed
        )
        batches = [images[i * batch : (i + 1) * batch] for i in range(num_batches)]
        return batches, _without_annotations(images[:num_batches])
    cfg = cfg.clone()
    cfg.defrost()
    cfg.SOLVER.IMS_PER_BATCH = batch
    cfg.DATALOADER.NUM_WORKERS = 0
    prepare_datasets(cfg)
    seed_all_rng(seed)  # detectron2's sampler seed and augmentations
    batches = list(itertools.islice(build_detection_train_loader(cfg), num_batches))
    test = build_detection_test_loader(cfg, cfg.DATASETS.TEST[0])
    return batches, [d for b in itertools.islice(test, num_batches) for d in b]


class ModelBench:
    """A built model with its inputs and optimizer; ``step(phase)`` returns seconds (per
    iteration for "train", per image for "infer") and ``peak_mb(phase)`` its peak memory."""

    def __init__(self, cfg, *, batch=2, synthetic=None, num_batches=2, seed=0, threads=None):
        if threads:
            torch.set_num_threads(threads)
        keep_freed_memory()  # no page faults from memory given back and taken again
        self.device = torch.device(cfg.MODEL.DEVICE)
        self.baseline_mb = current_rss_mb()
        torch.manual_seed(seed)
        self.model = build_model(cfg)
        self.batches, self.images = load_inputs(cfg, batch, num_batches, synthetic, seed)
        self.calibrated = calibrate_frozen_bn(self.model, [self.images[:batch]])
        self.optimizer = build_optimizer(cfg, self.model)
        for group in self.optimizer.param_groups:
            group["lr"] = 0.0
        fp16 = (
            self.device.type == "cuda" and getattr(self.model, "amp_dtype", None) == torch.float16
        )
        self.scaler = torch.amp.GradScaler("cuda") if fp16 else None
        self.counter = itertools.count()
        self.peaks = {}

    def _sync(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def _train(self, i, mark=lambda name: contextlib.nullcontext()):
        with EventStorage(i):
            losses = self.model(self.batches[i % len(self.batches)])
            loss = sum(losses.values())
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is None:
            with mark(BACKWARD):
                loss.backward()
            with mark(OPTIMIZER):
                self.optimizer.step()
        else:
            with mark(BACKWARD):
                self.scaler.scale(loss).backward()
            with mark(OPTIMIZER):
                self.scaler.step(self.optimizer)
                self.scaler.update()

    @torch.no_grad()
    def _infer(self, i):
        self.model([self.images[i % len(self.images)]])

    def set_phase(self, phase):
        """Training or eval mode for ``phase``, switched only when it changes (untimed)."""
        training = phase == "train"
        if self.model.training != training:
            self.model.train(training)
            release_freed_memory()  # the next phase's peak memory is its own

    def step(self, phase):
        """Run one step of ``phase``; {"wall": s, "cpu": s} (CUDA synchronized)."""
        i = next(self.counter)
        self.set_phase(phase)
        reset_peak(self.device)
        self._sync()
        start, start_cpu = time.perf_counter(), time.process_time()
        (self._train if phase == "train" else self._infer)(i)
        self._sync()
        seconds = {"wall": time.perf_counter() - start, "cpu": time.process_time() - start_cpu}
        peak = peak_mb(self.device, self.baseline_mb)
        self.peaks[phase] = max(self.peaks.get(phase, 0.0), peak)
        return seconds

    def profile(self, phase, steps):
        """Where ``steps`` steps of ``phase`` spend their time (see ``profile.breakdown``)."""
        self.set_phase(phase)
        counter = itertools.count()

        def run():
            if phase == "train":
                self._train(next(counter), mark=record_function)
            else:
                self._infer(next(counter))
            self._sync()  # the step's range ends when its kernels do, as in a timed step

        run()  # untimed: the first step after a mode switch
        return profile_steps(run, self.model, steps)

    def info(self):
        params = sum(p.numel() for p in self.model.parameters())
        return {"params_m": params / 1e6, "calibrated_frozen_bn": self.calibrated}
