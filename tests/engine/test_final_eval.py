"""FinalEvalHook: no evaluation at the end of a training that failed at its last iteration."""

import itertools

import pytest
import torch
from detectron2.engine import HookBase, SimpleTrainer, hooks

from gn_det.engine.final_eval import FinalEvalHook, without_eval_after_failure

from .test_stop_report import Toy


class FailAt(HookBase):
    def __init__(self, iteration, error):
        self.iteration, self.error = iteration, error

    def before_step(self):
        if self.trainer.iter == self.iteration:
            raise self.error


def train(eval_hook, *extra, max_iter=3):
    model = Toy()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    trainer = SimpleTrainer(model, itertools.repeat(torch.ones(2, 4)), optimizer)
    trainer.register_hooks([*extra, eval_hook])
    trainer.train(0, max_iter)


def counting_eval():
    calls = []
    return calls, lambda: calls.append(1) or {}


@pytest.mark.parametrize("error", [KeyboardInterrupt(), OSError(28, "No space left on device")])
def test_a_failure_at_the_last_iteration_is_not_followed_by_an_evaluation(error):
    stock_calls, stock_eval = counting_eval()
    with pytest.raises(type(error)):
        train(hooks.EvalHook(0, stock_eval), FailAt(2, error))
    assert stock_calls == [1]  # detectron2's own hook evaluates after the failure
    calls, evaluate = counting_eval()
    with pytest.raises(type(error)):
        train(FinalEvalHook(0, evaluate), FailAt(2, error))
    assert calls == []


def test_a_finished_training_is_evaluated_at_the_end():
    calls, evaluate = counting_eval()
    train(FinalEvalHook(2, evaluate), max_iter=3)
    assert calls == [1, 1]  # after iteration 2 (period) and at the end


def test_detectron2_eval_hooks_are_converted_in_place():
    stock, other = hooks.EvalHook(5, dict), hooks.IterationTimer()
    assert without_eval_after_failure([stock, other]) == [stock, other]
    assert (
        type(stock) is FinalEvalHook and stock._period == 5 and type(other) is hooks.IterationTimer
    )
