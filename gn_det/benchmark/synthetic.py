"""Synthetic detectron2 inputs of any size, drawn by the shapes generator.

For timing a model where its dataset is absent (COCO here): realistic-looking images with
a few objects, boxes and bitmask masks, at exactly the requested height and width.
"""

import numpy as np
import torch
from detectron2.structures import BitMasks, Instances

from ..data.shapes import render_image


def synthetic_inputs(num_images, height, width, num_classes, *, seed=0, max_objects=6):
    """``num_images`` training input dicts (image CHW float BGR 0-255, instances with boxes,
    classes and bitmask masks) of ``height`` x ``width`` pixels."""
    rng = np.random.default_rng(seed)
    inputs = []
    for _ in range(num_images):
        image, objects = render_image(rng, max(height, width), max_objects)
        masks = [m[:height, :width] for _, m in objects]
        keep = [i for i, m in enumerate(masks) if m.sum() >= 16]
        instances = Instances((height, width))
        mask_array = np.stack([masks[i] for i in keep]) if keep else np.zeros((0, height, width))
        instances.gt_masks = BitMasks(torch.from_numpy(mask_array.astype(bool)))
        instances.gt_boxes = instances.gt_masks.get_bounding_boxes()
        classes = [objects[i][0] % num_classes for i in keep]
        instances.gt_classes = torch.tensor(classes, dtype=torch.int64)
        chw = np.ascontiguousarray(image[:height, :width].transpose(2, 0, 1))
        inputs.append(
            {
                "image": torch.from_numpy(chw).float(),
                "height": height,
                "width": width,
                "instances": instances,
            }
        )
    return inputs
