"""Distill a BN-pretrained ResNet into a GroupNorm one on unlabeled images
(tools/distill_gn_backbone.py)."""

from .errors import DistillationError
from .model import DistillationModel
from .resnet import STAGES, build_resnet
from .student import build_student, init_from_teacher, student_norm
from .teacher import build_teacher
from .trainer import Distillation

__all__ = [
    "STAGES",
    "Distillation",
    "DistillationError",
    "DistillationModel",
    "build_resnet",
    "build_student",
    "build_teacher",
    "init_from_teacher",
    "student_norm",
]
