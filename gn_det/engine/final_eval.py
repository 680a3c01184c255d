"""``FinalEvalHook``: detectron2's EvalHook without its final evaluation after a failure.

detectron2's EvalHook evaluates in ``after_train`` when ``trainer.iter + 1 >= max_iter``, which
is meant to skip failed runs, but a run that fails at its last iteration (Ctrl-C, a bad image,
a full disk) still evaluates: the error waits for a whole evaluation, and in a multi-process
run the failed process waits in the evaluation's barrier for the others, which wait in the
failed step's all-reduce: a hang until the timeout.
"""

import sys

from detectron2.engine import hooks


class FinalEvalHook(hooks.EvalHook):
    """EvalHook whose evaluation at the end of training runs only if training did not fail."""

    def after_train(self):
        if sys.exc_info()[1] is None:  # the exception that is ending training, if any
            super().after_train()


def without_eval_after_failure(hook_list):
    """``hook_list`` with each of detectron2's EvalHooks made a FinalEvalHook (in place: the
    hooks that detectron2's trainers build keep their period and evaluation function)."""
    for hook in hook_list:
        if type(hook) is hooks.EvalHook:
            hook.__class__ = FinalEvalHook
    return hook_list
