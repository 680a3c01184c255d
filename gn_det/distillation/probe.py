"""Quality check where labels exist: the student scored with a classifier made for the teacher.

BN-pretrained backbone files carry no classifier, so the teacher's head is a linear probe:
logistic regression on the teacher's globally pooled res5 features of labelled training
images. The teacher and the student are then scored top-1 on held-out labelled images with
that same head, unchanged: the student scores like the teacher only if its features can
replace the teacher's.
"""

import logging
import os

import torch
import torch.nn.functional as F

from ..classification.data import classification_data
from ..classification.image_folder import folder_classes
from ..data.datasets import DatasetError

logger = logging.getLogger(__name__)

# L2 penalty of the probe's weights (features are standardized first).
PROBE_WEIGHT_DECAY = 1e-3


@torch.no_grad()
def pooled_features(model, resnet, images, batch_size=64):
    """N x C globally pooled res5 features of ``resnet`` on uint8 ``images``."""
    out = [
        resnet(model.normalize(images[i : i + batch_size]))["res5"].mean(dim=(2, 3)).cpu()
        for i in range(0, len(images), batch_size)
    ]
    return torch.cat(out).double()


def fit_probe(features, labels, num_classes, steps=200):
    """(mean, std, weight, bias) of a logistic regression fit to ``features`` by L-BFGS."""
    mean, std = features.mean(0), features.std(0).clamp_min(1e-6)
    x = (features - mean) / std
    y = torch.as_tensor(labels)
    weight = torch.zeros(num_classes, x.shape[1], dtype=x.dtype, requires_grad=True)
    bias = torch.zeros(num_classes, dtype=x.dtype, requires_grad=True)
    optimizer = torch.optim.LBFGS([weight, bias], max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = F.cross_entropy(x @ weight.T + bias, y) + PROBE_WEIGHT_DECAY * weight.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return mean, std, weight.detach(), bias.detach()


def probe_error(probe, features, labels):
    """Top-1 error (percent) of ``probe`` on ``features``."""
    mean, std, weight, bias = probe
    predicted = (((features - mean) / std) @ weight.T + bias).argmax(1)
    return 100.0 * float((predicted != torch.as_tensor(labels)).double().mean())


class TeacherHead:
    """The linear probe of the teacher, fit once on ``train`` and scoring any of the
    model's ResNets on ``val`` (both (uint8 images, int64 labels))."""

    def __init__(self, model, train, val, classes):
        num_classes = len(classes)
        self.model, self.val = model, val
        self.num_train = len(train[1])
        self.probe = fit_probe(pooled_features(model, model.teacher, train[0]), train[1],
                               num_classes)  # fmt: skip

    def error(self, resnet):
        """Top-1 error (percent) on the held-out labelled images of ``resnet`` with this head."""
        was_training = resnet.training
        resnet.eval()
        error = probe_error(self.probe, pooled_features(self.model, resnet, self.val[0]),
                            self.val[1])  # fmt: skip
        resnet.train(was_training)
        return error


def labelled_data(data, image_size, probe_images):
    """(train, val, classes) labelled images for the top-1 check, or None where there are no
    labels: shapes object crops, or a folder holding train/<class>/ and val/<class>/."""
    if probe_images == 0:
        return None
    if data == "shapes":
        return classification_data("shapes", image_size, probe_images)
    if os.path.isdir(os.path.join(data, "train")) and os.path.isdir(os.path.join(data, "val")):
        try:
            folder_classes(data)
            return classification_data(data, image_size)
        except DatasetError as e:
            logger.warning(f"no top-1 check: {e}")
    return None


class TopOneCheck:
    """Top-1 error of the teacher and of the student (at the start and at the end) with the
    teacher's linear head, where ``--data`` has labels; ``result()`` is None elsewhere."""

    def __init__(self, model, labelled):
        self.head = TeacherHead(model, *labelled) if labelled else None
        self.model = model
        self.student_before = self.head.error(model.student) if self.head else None

    def result(self):
        if self.head is None:
            return None
        return {
            "head": "linear probe fit on the teacher's pooled res5 features",
            "num_train": self.head.num_train,
            "num_val": len(self.head.val[1]),
            "teacher": round(self.head.error(self.model.teacher), 2),
            "student_before": round(self.student_before, 2),
            "student": round(self.head.error(self.model.student), 2),
        }
