"""Feature matching: the student's maps against the teacher's, relative to the teacher's size.

Each stage's loss is ``||s - t||^2 / ||t||^2`` over the batch: the mean squared error divided
by the teacher map's mean square, i.e. the squared relative error. Stages whose activations
are large do not drown the others, and the held-out metric is the same quantity's root.
"""

import torch

from .resnet import STAGES


def feature_losses(student_maps, teacher_maps, weights):
    """{``loss_<stage>``: weight x squared relative error} for every stage with weight > 0."""
    losses = {}
    for stage in STAGES:
        if weights.get(stage, 0) > 0:
            s, t = student_maps[stage], teacher_maps[stage]
            error = (s - t).pow(2).sum() / t.pow(2).sum().clamp_min(1e-12)
            losses[f"loss_{stage}"] = weights[stage] * error
    return losses


@torch.no_grad()
def feature_errors(model, images, batch_size=32):
    """{stage: ||s - t|| / ||t||} of ``model``'s student and teacher on uint8 ``images``,
    summed over all images before the ratio."""
    diff = dict.fromkeys(STAGES, 0.0)
    norm = dict.fromkeys(STAGES, 0.0)
    for i in range(0, len(images), batch_size):
        student, teacher = model.maps(images[i : i + batch_size])
        for stage in STAGES:
            diff[stage] += float((student[stage] - teacher[stage]).double().pow(2).sum())
            norm[stage] += float(teacher[stage].double().pow(2).sum())
    return {stage: (diff[stage] / max(norm[stage], 1e-24)) ** 0.5 for stage in STAGES}
