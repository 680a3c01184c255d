"""Every use of detectron2's private API, in one place, each checked against the installed
detectron2 so that a version without it fails with one clear line instead of deep inside a run.

gn_det is written against detectron2 v0.6. Overriding fvcore's documented checkpointer hooks
(``_load_file``, ``_load_model``) is not private API and stays in gn_det/checkpoint/.
"""

import inspect

import detectron2
import detectron2.utils.comm as comm
from detectron2.engine import defaults, hooks
from detectron2.evaluation import COCOEvaluator

from ..utils.errors import GNDetError

SUPPORTED_VERSION = "0.6"


class Detectron2VersionError(GNDetError):
    """The installed detectron2 lacks a private name gn_det relies on."""


def require(owner, name, what):
    """``getattr(owner, name)``, or Detectron2VersionError naming the feature that needs it."""
    try:
        return getattr(owner, name)
    except AttributeError:
        raise Detectron2VersionError(
            f"{what} uses detectron2 {SUPPORTED_VERSION}'s private {name}, which detectron2 "
            f"{detectron2.__version__} lacks; install detectron2 {SUPPORTED_VERSION} "
            "(make setup)"
        ) from None


def set_local_process_group(group):
    """Make ``group`` this machine's process group, as detectron2's ``launch`` does."""
    require(comm, "_LOCAL_PROCESS_GROUP", "CPU multi-process launch")
    comm._LOCAL_PROCESS_GROUP = group


def forget_process_groups():
    """Drop detectron2's references to process groups (its local group, its cached gloo
    group), so that destroyed groups are freed now, not during interpreter shutdown."""
    set_local_process_group(None)
    require(comm, "_get_global_gloo_group", "CPU multi-process launch").cache_clear()


def last_eval_results(trainer):
    """The results of the trainer's last evaluation hook (None if none ran)."""
    return getattr(trainer, "_last_eval_results", None)


def ddp_runs_on_cpu():
    """Whether detectron2's ``create_ddp_model`` works with CPU models: gn_det's install edit
    passes ``device_ids`` only for CUDA models; stock detectron2 always passes them."""
    source = inspect.getsource(defaults.create_ddp_model)
    return "device_ids" not in source or "is_cuda" in source


class COCOEvaluatorBase(COCOEvaluator):
    """detectron2's COCOEvaluator through public names: the state a subclass reads, and the
    ``eval_predictions`` hook that detectron2 calls as its private ``_eval_predictions``."""

    # Set by COCOEvaluator.__init__ (``_results`` is set by its ``evaluate``).
    _PRIVATE = ("_coco_api", "_do_evaluation", "_tasks", "_output_dir", "_metadata",
                "_max_dets_per_image", "_logger")  # fmt: skip
    _PRIVATE_METHODS = ("_eval_predictions", "_derive_coco_results", "_tasks_from_predictions")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self._PRIVATE + self._PRIVATE_METHODS:
            require(self, name, "gn_det's COCO evaluator")

    @property
    def coco_gt_dataset(self):
        """The ground truth as a COCO dict (None if the dataset has no annotations)."""
        return self._coco_api.dataset if self._do_evaluation else None

    @property
    def tasks(self):
        return self._tasks

    @property
    def output_dir(self):
        return self._output_dir

    @property
    def metadata(self):
        return self._metadata

    @property
    def max_dets_per_image(self):
        return self._max_dets_per_image

    @property
    def logger(self):
        return self._logger

    def tasks_from_predictions(self, results):
        return self._tasks_from_predictions(results)

    def set_task_results(self, task, summary):
        """Record one task's metrics (``summary``: ``.stats`` and ``.eval["precision"]``) as
        detectron2's evaluator does: AP table and per-category AP."""
        class_names = self._metadata.get("thing_classes")
        self._results[task] = self._derive_coco_results(summary, task, class_names=class_names)

    def _eval_predictions(self, predictions, img_ids=None):
        self.eval_predictions(predictions, img_ids)

    def eval_predictions(self, predictions, img_ids=None):
        raise NotImplementedError


class FirstGroupLRScheduler(hooks.LRScheduler):
    """detectron2's LRScheduler hook, logging param group 0's LR as "lr". detectron2 logs its
    largest group's, which SOLVER.NORM_LR_FACTOR can make the norm layers' (gn_det's optimizer
    keeps group 0 at the scheduled LR: the first trainable conv weight's group)."""

    def before_train(self):
        super().before_train()
        require(self, "_best_param_group_id", "Logging the LR with SOLVER.NORM_LR_FACTOR")
        self._best_param_group_id = 0
