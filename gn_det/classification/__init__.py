"""Pretrain a detection config's ResNet as a classifier and export it for MODEL.WEIGHTS."""

from .data import classification_data, pretrain_config
from .model import ResNetClassifier, classifier_norm
from .trainer import ClassifierPretraining, top1_error

__all__ = [
    "ClassifierPretraining",
    "ResNetClassifier",
    "classification_data",
    "classifier_norm",
    "pretrain_config",
    "top1_error",
]
