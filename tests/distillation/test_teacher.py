"""The teacher: BN-pretrained weights in any known layout, checked against the config."""

import pickle

import pytest
import torch
import torchvision
from detectron2.layers import FrozenBatchNorm2d

from gn_det.checkpoint import CheckpointError, UnsafeCheckpointError
from gn_det.distillation import DistillationError, build_teacher
from gn_det.distillation.teacher import teacher_weights

from ..checkpoint.exploit import Exploit
from ..conftest import tiny_cfg
from .teachers import pattern_images, write_teacher


@pytest.fixture(scope="module")
def teacher_file(tmp_path_factory):
    return write_teacher(tmp_path_factory.mktemp("teacher") / "bn.pkl")


def test_teacher_has_the_file_weights_frozen_bn_and_nothing_to_train(teacher_file):
    teacher = build_teacher(tiny_cfg(), teacher_file)
    weights, kind = teacher_weights(teacher_file, "BGR")
    assert kind == "BN"
    state = teacher.state_dict()
    assert state.keys() == weights.keys()
    for key, value in weights.items():
        torch.testing.assert_close(state[key], torch.as_tensor(value))
    assert any(isinstance(m, FrozenBatchNorm2d) for m in teacher.modules())
    assert not any(p.requires_grad for p in teacher.parameters())
    maps = teacher(pattern_images(2).float())
    assert list(maps) == ["stem", "res2", "res3", "res4", "res5"]


def test_torchvision_teacher_computes_what_torchvision_computes(tmp_path):
    torch.manual_seed(0)
    tv = torchvision.models.resnet18(num_classes=3).eval()
    for m in tv.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            torch.nn.init.uniform_(m.running_var, 0.5, 2.0)
            torch.nn.init.normal_(m.running_mean, std=0.1)
    torch.save(tv.state_dict(), tmp_path / "resnet18.pth")
    teacher = build_teacher(tiny_cfg(), tmp_path / "resnet18.pth")
    x = torch.randn(2, 3, 64, 64)  # BGR for the tiny config: the converter flips conv1
    body = torch.nn.Sequential(*list(tv.children())[:-2])
    with torch.no_grad():
        torch.testing.assert_close(teacher(x)["res5"], body(x.flip(1)), atol=1e-4, rtol=1e-4)


def test_detector_checkpoint_backbone_is_a_teacher(tmp_path, teacher_file):
    weights, _ = teacher_weights(teacher_file, "BGR")
    model = {f"backbone.bottom_up.{k}": torch.as_tensor(v) for k, v in weights.items()}
    model["backbone.fpn_lateral2.weight"] = torch.zeros(1)
    torch.save({"model": model, "iteration": 3}, tmp_path / "model_final.pth")
    assert teacher_weights(tmp_path / "model_final.pth", "BGR")[0].keys() == weights.keys()


def test_teacher_in_an_unknown_layout_is_refused(tmp_path):
    torch.save({"encoder.weight": torch.zeros(2)}, tmp_path / "other.pth")
    with pytest.raises(DistillationError, match="not a ResNet in a layout gn_det knows"):
        teacher_weights(tmp_path / "other.pth", "BGR")


def test_gn_teacher_is_refused(tmp_path):
    path = write_teacher(tmp_path / "gn.pkl", kind="GN")
    with pytest.raises(DistillationError, match="already a GroupNorm-family backbone"):
        build_teacher(tiny_cfg(), path)


@pytest.mark.parametrize(
    "opts, message",
    [
        (["MODEL.RESNETS.DEPTH", 34], "res2.2.conv1.weight is in the config's ResNet but not"),
        (["MODEL.RESNETS.STEM_OUT_CHANNELS", 32],
         "stem.conv1.weight has shape (64, 3, 7, 7) in the teacher, (32, 3, 7, 7) in the config"),
    ],
)  # fmt: skip
def test_teacher_of_another_depth_or_width_names_the_first_mismatching_key(
    teacher_file, opts, message
):
    with pytest.raises(DistillationError) as error:
        build_teacher(tiny_cfg(*opts), teacher_file)
    assert message in str(error.value)


def test_unreadable_or_unsafe_teacher_is_refused_by_the_safe_loader(tmp_path):
    (tmp_path / "junk.pkl").write_bytes(b"not a pickle at all")
    with pytest.raises(CheckpointError, match="junk.pkl cannot be read as a weights pickle"):
        build_teacher(tiny_cfg(), tmp_path / "junk.pkl")
    marker = tmp_path / "ran"
    (tmp_path / "evil.pkl").write_bytes(pickle.dumps({"model": Exploit(marker)}))
    with pytest.raises(UnsafeCheckpointError, match="refusing to load"):
        build_teacher(tiny_cfg(), tmp_path / "evil.pkl")
    assert not marker.exists()
