"""Pretrain a detection config's ResNet as a classifier and export it for MODEL.WEIGHTS."""

from .data import classification_data, pretrain_config
from .export import detectron2_weights, norm_metadata, save_weights_pkl
from .model import ResNetClassifier, classifier_norm
from .trainer import ClassifierPretraining, top1_error

__all__ = [
    "ClassifierPretraining",
    "ResNetClassifier",
    "classification_data",
    "classifier_norm",
    "detectron2_weights",
    "norm_metadata",
    "pretrain_config",
    "save_weights_pkl",
    "top1_error",
]
