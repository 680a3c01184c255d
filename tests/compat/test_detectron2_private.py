"""detectron2's private API in one place: present in the installed detectron2, and a clear
error where a detectron2 lacks it."""

import re
import subprocess

import detectron2.utils.comm as comm
import pytest

from gn_det.compat import detectron2_private as private
from gn_det.engine.preflight import check_devices
from gn_det.engine.setup import ConfigError

from ..conftest import REPO, tiny_cfg


def test_missing_private_name_is_one_clear_error():
    with pytest.raises(private.Detectron2VersionError) as info:
        private.require(comm, "_NO_SUCH_GROUP", "CPU multi-process launch")
    message = str(info.value)
    assert "CPU multi-process launch uses detectron2 0.6's private _NO_SUCH_GROUP" in message
    assert "\n" not in message


def test_installed_detectron2_has_what_gn_det_uses():
    private.require(comm, "_LOCAL_PROCESS_GROUP", "launch")
    assert callable(private.require(comm, "_get_global_gloo_group", "launch").cache_clear)
    assert private.ddp_runs_on_cpu()  # the install-time edit is there


def test_cpu_processes_need_the_ddp_edit(monkeypatch):
    cfg = tiny_cfg()
    check_devices(cfg, 2, 1)
    monkeypatch.setattr("gn_det.engine.preflight.ddp_runs_on_cpu", lambda: False)
    with pytest.raises(ConfigError, match="create_ddp_model to skip device_ids"):
        check_devices(cfg, 2, 1)
    check_devices(cfg, 1, 1)  # one process: no DDP, no edit needed


def test_private_detectron2_names_appear_only_in_compat():
    """The names that the compat module wraps are used nowhere else in gn_det."""
    names = ["_LOCAL_PROCESS_GROUP", "_last_eval_results", "_eval_predictions", "_coco_api",
             "_do_evaluation", "_derive_coco_results", "_tasks_from_predictions"]  # fmt: skip
    out = subprocess.run(
        ["grep", "-rnE", "|".join(re.escape(n) for n in names), "gn_det"],
        cwd=REPO, capture_output=True, text=True,
    ).stdout  # fmt: skip
    files = {line.split(":")[0] for line in out.splitlines()}
    assert files == {"gn_det/compat/detectron2_private.py"}
