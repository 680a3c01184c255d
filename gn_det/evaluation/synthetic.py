"""Synthetic COCO ground truth and detections (polygons, crowd RLE, boxes) for tests and benchmarks.

Objects are random star-shaped polygons of all COCO sizes; a fraction of ground-truth
objects are crowd regions stored as uncompressed RLE, as in COCO. Detections are jittered
copies of ground-truth objects (sometimes with the wrong class) plus random false
positives, with compressed-RLE masks: the format detectron2 writes.
"""

import numpy as np
import pycocotools.mask as mask_util


def _category_ids(num_classes):
    """COCO-like ids with gaps (1..10, 12..21, ...), so ids are not contiguous indices."""
    return [k + 1 + k // 10 for k in range(num_classes)]


def _polygons(rng, n, width, height):
    """``n`` star-shaped polygons (flat [x0, y0, ...]) of all sizes, their centres and radii."""
    vertices = 10
    radii = np.exp(rng.uniform(np.log(3), np.log(0.4 * min(width, height)), n))
    centers = rng.uniform((0, 0), (width, height), (n, 2))
    angles = np.sort(rng.uniform(0, 2 * np.pi, (n, vertices)), axis=1)
    r = radii[:, None] * rng.uniform(0.5, 1.0, (n, vertices))
    x = np.clip(centers[:, :1] + r * np.cos(angles), 0, width)
    y = np.clip(centers[:, 1:] + r * np.sin(angles), 0, height)
    return np.stack([x, y], axis=2).reshape(n, 2 * vertices), centers, radii


def _box(poly):
    x, y = poly[0::2], poly[1::2]
    return [float(x.min()), float(y.min()), float(x.max() - x.min()), float(y.max() - y.min())]


def _gt_image(rng, image_id, width, height, cat_ids, crowd_fraction, next_id):
    n = int(rng.integers(1, 15))
    polys, centers, radii = _polygons(rng, n, width, height)
    rles = mask_util.frPyObjects([p.tolist() for p in polys], height, width)
    anns, shapes = [], []
    for i, (poly, rle) in enumerate(zip(polys, rles)):
        area = float(mask_util.area(rle))
        if area == 0:
            continue
        crowd = bool(rng.random() < crowd_fraction)
        if crowd:
            counts = _uncompressed_counts(mask_util.decode(rle))
            segmentation = {"size": [height, width], "counts": counts}
        else:
            segmentation = [[round(float(v), 2) for v in poly]]
        anns.append(
            {
                "id": next_id + len(anns),
                "image_id": image_id,
                "category_id": int(rng.choice(cat_ids)),
                "segmentation": segmentation,
                "area": area,
                "bbox": _box(poly),
                "iscrowd": int(crowd),
            }
        )
        shapes.append((poly, centers[i], radii[i]))
    return anns, shapes


def _uncompressed_counts(mask):
    """COCO's uncompressed RLE counts (column-major runs, starting with zeros) of a mask."""
    flat = np.asfortranarray(mask).ravel(order="F")
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    return counts if flat[0] == 0 else [0, *counts]


def _jittered(rng, poly, center, radius, width, height):
    """``poly`` scaled, shifted and with noisy vertices: a detection of varying IoU."""
    pts = poly.reshape(-1, 2) - center
    pts = pts * rng.uniform(0.85, 1.15) + rng.normal(0, 0.1 * radius, 2)
    pts = center + pts + rng.normal(0, 0.05 * radius, pts.shape)
    return np.clip(pts, 0, (width, height)).ravel()


def _detections(rng, image_id, width, height, gts, shapes, cat_ids, max_dets):
    """Jittered copies (0-2 per ground-truth object) then false positives, ``max_dets`` at most."""
    n = int(rng.integers(max(1, max_dets // 2), max_dets + 1))
    copies = [i for i in range(len(gts)) for _ in range(int(rng.integers(0, 3)))][:n]
    polys = [_jittered(rng, *shapes[i], width, height) for i in copies]
    polys += list(_polygons(rng, n - len(copies), width, height)[0])
    rles = mask_util.frPyObjects([p.tolist() for p in polys], height, width)
    tp_score = rng.uniform(0.3, 1.0, n)
    fp_score = rng.uniform(0.0, 0.7, n)
    dets = []
    for i, (poly, rle) in enumerate(zip(polys, rles)):
        rle["counts"] = rle["counts"].decode("ascii")
        is_copy = i < len(copies)
        right_class = is_copy and rng.random() < 0.9
        category = gts[copies[i]]["category_id"] if right_class else int(rng.choice(cat_ids))
        dets.append(
            {
                "image_id": image_id,
                "category_id": category,
                "bbox": _box(poly),
                "score": float(tp_score[i] if is_copy else fp_score[i]),
                "segmentation": rle,
            }
        )
    return dets


def synthetic_coco(
    num_images=100,
    max_dets=100,
    num_classes=80,
    width=640,
    height=480,
    crowd_fraction=0.02,
    seed=0,
):
    """(ground-truth COCO dict, list of COCO results) of ``num_images`` random images."""
    rng = np.random.default_rng(seed)
    cat_ids = _category_ids(num_classes)
    images, annotations, results = [], [], []
    for image_id in range(1, num_images + 1):
        images.append(
            {"id": image_id, "width": width, "height": height, "file_name": f"{image_id:06d}.png"}
        )
        gts, shapes = _gt_image(
            rng, image_id, width, height, cat_ids, crowd_fraction, len(annotations) + 1
        )
        results += _detections(rng, image_id, width, height, gts, shapes, cat_ids, max_dets)
        annotations += gts
    categories = [{"id": c, "name": f"class_{c}", "supercategory": "thing"} for c in cat_ids]
    gt = {"images": images, "annotations": annotations, "categories": categories}
    return gt, results
