"""The embedded dataset: deterministic images of coloured shapes with instance masks.

Each image has a noisy gradient background and a few shapes of random class,
colour, size and rotation drawn in order, so later shapes occlude earlier
ones. An object's mask is its visible pixels after occlusion; placements that
would hide more than half of an earlier object are retried, so every drawn
object is annotated. Written as PNGs plus COCO instances JSON (RLE masks).
"""

import json
import os
import shutil
from pathlib import Path

import cv2
import numpy as np
import pycocotools.mask as mask_util

SHAPE_CLASSES = ("circle", "square", "triangle", "star", "cross")
SPLITS = ("train", "val")
# Fraction of an object that must stay visible when later objects are drawn.
MIN_VISIBLE = 0.5
# Bumped when the generator's output changes, so stale copies are regenerated.
GENERATOR_VERSION = 1


def _polygon(kind, radius, angle):
    """Vertices (float, centred at 0) of a polygonal shape of circumradius ``radius``."""
    if kind == "square":
        t = np.arange(4) * np.pi / 2 + np.pi / 4
        r = np.full(4, radius)
    elif kind == "triangle":
        t = np.arange(3) * 2 * np.pi / 3
        r = np.full(3, radius)
    elif kind == "star":
        t = np.arange(10) * np.pi / 5
        r = np.where(np.arange(10) % 2 == 0, radius, radius * 0.45)
    elif kind == "cross":
        a, b = radius, radius * 0.35
        pts = [(b, a), (b, b), (a, b), (a, -b), (b, -b), (b, -a)]
        pts = pts + [(-x, -y) for x, y in pts]
        t = np.array([np.arctan2(y, x) for x, y in pts])
        r = np.array([np.hypot(x, y) for x, y in pts])
    else:
        raise ValueError(f"unknown shape {kind!r}")
    t = t + angle
    return np.stack([r * np.cos(t), r * np.sin(t)], axis=1)


def draw_shape_mask(kind, center, radius, angle, size):
    """Binary mask (uint8, ``size`` x ``size``) of one shape."""
    mask = np.zeros((size, size), np.uint8)
    if kind == "circle":
        c = (int(round(center[0] * 16)), int(round(center[1] * 16)))
        cv2.circle(mask, c, int(round(radius * 16)), 1, -1, cv2.LINE_8, 4)
    else:
        pts = np.round((_polygon(kind, radius, angle) + center) * 16).astype(np.int32)
        cv2.fillPoly(mask, [pts], 1, cv2.LINE_8, 4)
    return mask


def _background(rng, size):
    base = rng.uniform(40, 215, size=3)
    tilt = rng.uniform(-40, 40, size=(2, 3))
    ramp = np.linspace(-0.5, 0.5, size)
    img = base + ramp[None, :, None] * tilt[0] + ramp[:, None, None] * tilt[1]
    return np.broadcast_to(img, (size, size, 3)).astype(np.float32)


def _distinct_colour(rng, references):
    """A colour at least 80 (L2) away from every colour in ``references``."""
    for _ in range(50):
        colour = rng.uniform(0, 255, size=3)
        if all(np.linalg.norm(colour - ref) > 80 for ref in references):
            return colour
    return colour


def render_image(rng, size, max_objects):
    """One image (uint8 HxWx3, BGR) and its objects as (class index, visible mask)."""
    img = _background(rng, size)
    owner = np.full((size, size), -1, np.int32)  # index of the object on top at each pixel
    objects, full_areas, colours = [], [], []
    for _ in range(int(rng.integers(1, max_objects + 1))):
        for _attempt in range(10):
            kind = int(rng.integers(len(SHAPE_CLASSES)))
            radius = rng.uniform(0.08, 0.22) * size
            center = rng.uniform(radius * 0.7, size - radius * 0.7, size=2)
            mask = draw_shape_mask(
                SHAPE_CLASSES[kind], center, radius, rng.uniform(0, 2 * np.pi), size
            )
            area = int(mask.sum())
            covered = np.bincount(owner[mask > 0] + 1, minlength=len(objects) + 1)[1:]
            visible = np.bincount(owner.ravel() + 1, minlength=len(objects) + 1)[1:] - covered
            if area >= 30 and all(v >= MIN_VISIBLE * f for v, f in zip(visible, full_areas)):
                break
        else:
            continue
        below = np.unique(owner[mask > 0])
        references = [img[size // 2, size // 2]] + [colours[j] for j in below if j >= 0]
        colours.append(_distinct_colour(rng, references))
        owner[mask > 0] = len(objects)
        img[mask > 0] = colours[-1]
        objects.append(kind)
        full_areas.append(area)
    img = img + rng.normal(0, 6, size=img.shape)
    img = np.clip(img, 0, 255).astype(np.uint8)
    return img, [(kind, (owner == i).astype(np.uint8)) for i, kind in enumerate(objects)]


def _annotation(mask, ann_id, image_id, category_id):
    rle = mask_util.encode(np.asfortranarray(mask))
    rle["counts"] = rle["counts"].decode("ascii")
    x, y, w, h = mask_util.toBbox(rle).tolist()
    return {
        "id": ann_id,
        "image_id": image_id,
        "category_id": category_id,
        "bbox": [x, y, w, h],
        "area": float(mask_util.area(rle)),
        "iscrowd": 0,
        "segmentation": rle,
    }


def write_split(root, split, num_images, image_size, seed, max_objects):
    """Write ``root/<split>/*.png`` and ``root/annotations/instances_<split>.json``."""
    image_dir = Path(root) / split
    image_dir.mkdir(parents=True, exist_ok=True)
    images, annotations = [], []
    split_key = SPLITS.index(split) if split in SPLITS else len(split)
    for i in range(num_images):
        rng = np.random.default_rng([seed, split_key, i])
        img, objects = render_image(rng, image_size, max_objects)
        file_name = f"{i:06d}.png"
        cv2.imwrite(str(image_dir / file_name), img)
        image_id = i + 1
        images.append(
            {"id": image_id, "file_name": file_name, "width": image_size, "height": image_size}
        )
        for kind, mask in objects:
            annotations.append(_annotation(mask, len(annotations) + 1, image_id, kind + 1))
    coco = {
        "info": {"description": f"gn_det shapes ({split})", "version": GENERATOR_VERSION},
        "images": images,
        "annotations": annotations,
        "categories": [
            {"id": k + 1, "name": name, "supercategory": "shape"}
            for k, name in enumerate(SHAPE_CLASSES)
        ],
    }
    json_path = Path(root) / "annotations" / f"instances_{split}.json"
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(coco))
    return json_path


def generate_shapes_dataset(
    root, num_train=1000, num_val=200, image_size=128, seed=0, max_objects=6
):
    """Write the train and val splits under ``root`` (replacing it) and return ``root``.

    Written to a temporary folder first and renamed, so an interrupted run never
    leaves a half-written dataset that looks complete.
    """
    params = dict(
        num_train=num_train,
        num_val=num_val,
        image_size=image_size,
        seed=seed,
        max_objects=max_objects,
        version=GENERATOR_VERSION,
    )
    root = Path(root)
    tmp = root.with_name(f"{root.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    for split, n in (("train", num_train), ("val", num_val)):
        write_split(tmp, split, n, image_size, seed, max_objects)
    (tmp / "generator.json").write_text(json.dumps(params, sort_keys=True))
    if root.exists():
        shutil.rmtree(root)
    try:
        tmp.rename(root)
    except OSError:  # another process finished the same deterministic dataset first
        shutil.rmtree(tmp, ignore_errors=True)
    return root


def ensure_shapes_dataset(root, **params):
    """Generate the dataset under ``root`` unless a complete copy with these parameters exists."""
    marker = Path(root) / "generator.json"
    wanted = dict(num_train=1000, num_val=200, image_size=128, seed=0, max_objects=6)
    wanted.update(params, version=GENERATOR_VERSION)
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return Path(root)
    wanted.pop("version")
    return generate_shapes_dataset(root, **wanted)
