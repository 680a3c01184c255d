"""``DistillationModel``: teacher and student on the same images; the losses in training."""

import torch
from torch import nn

from .loss import feature_losses


class DistillationModel(nn.Module):
    """A frozen teacher and a trainable student ResNet. Takes uint8 BGR batches
    (``{"images": N x 3 x H x W}``), put in INPUT.FORMAT's channel order and normalized by
    PIXEL_MEAN/PIXEL_STD; in training returns the feature-matching losses."""

    def __init__(self, cfg, teacher, student, stage_weights):
        super().__init__()
        self.teacher = teacher
        self.student = student
        self.stage_weights = dict(stage_weights)
        self.rgb = cfg.INPUT.FORMAT == "RGB"
        mean = torch.tensor(cfg.MODEL.PIXEL_MEAN).view(-1, 1, 1)
        std = torch.tensor(cfg.MODEL.PIXEL_STD).view(-1, 1, 1)
        self.register_buffer("pixel_mean", mean, persistent=False)
        self.register_buffer("pixel_std", std, persistent=False)

    def train(self, mode=True):
        super().train(mode)
        self.teacher.eval()
        return self

    def normalize(self, images):
        """Float network input of uint8 BGR ``images``."""
        x = torch.as_tensor(images).to(self.pixel_mean.device).float()
        if self.rgb:
            x = x.flip(1)
        return (x - self.pixel_mean) / self.pixel_std

    def maps(self, images):
        """(student maps, teacher maps) of ``images``; the teacher's without gradient."""
        x = self.normalize(images)
        with torch.no_grad():
            teacher = self.teacher(x)
        return self.student(x), teacher

    def forward(self, batch):
        student, teacher = self.maps(batch["images"])
        return feature_losses(student, teacher, self.stage_weights)
