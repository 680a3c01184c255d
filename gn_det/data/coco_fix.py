"""A cleaned copy of a COCO dataset: every entry with an error dropped, the rest unchanged.

Images that are broken (bad entry, duplicate id, file missing/unreadable/of another size),
categories with bad entries or duplicate ids, and annotations with errors are dropped, as are
annotations left without their image or category; polygons that are too short are dropped
from their annotation (the annotation too if none is left); duplicate annotation ids are
renumbered, so no annotation is lost for that. Warnings are left as they are.
"""

import copy
import json
import os
from collections import Counter

from ..utils.atomic_file import atomic_open
from .datasets import DatasetError


def cleaned_coco(data, problems):
    """(cleaned copy of ``data``, Counter of changes) for ``problems`` of gn_det.coco."""
    drop = {"images": set(), "categories": set(), "annotations": set()}
    short_polygons, renumber = {}, []
    for p in problems:
        if p.severity != "error" or p.target is None:
            continue
        section, index = p.target[:2]
        if section in drop:
            drop[section].add(index)
        elif section == "polygon":
            short_polygons.setdefault(index, set()).add(p.target[2])
        elif section == "annotation id":
            renumber.append(index)
    changes = Counter()
    out = {k: v for k, v in data.items() if k not in drop}
    for section in ("images", "categories"):
        out[section] = [e for i, e in enumerate(data[section]) if i not in drop[section]]
        changes[f"{section} dropped"] = len(drop[section])
    image_ids = {img["id"] for img in out["images"]}
    category_ids = {cat["id"] for cat in out["categories"]}
    next_id = 1 + max((a["id"] for a in data["annotations"] if _int_id(a)), default=0)
    out["annotations"] = []
    for i, ann in enumerate(data["annotations"]):
        if i in drop["annotations"] or not _int_id(ann):
            continue
        if ann.get("image_id") not in image_ids or ann.get("category_id") not in category_ids:
            continue
        ann = copy.deepcopy(ann)
        if i in short_polygons:
            kept = [q for j, q in enumerate(ann["segmentation"]) if j not in short_polygons[i]]
            changes["polygons dropped"] += len(ann["segmentation"]) - len(kept)
            if not kept:
                continue
            ann["segmentation"] = kept
        if i in renumber:
            ann["id"], next_id = next_id, next_id + 1
            changes["annotation ids renumbered"] += 1
        out["annotations"].append(ann)
    changes["annotations dropped"] = len(data["annotations"]) - len(out["annotations"])
    return out, changes


def _int_id(ann):
    return isinstance(ann, dict) and isinstance(ann.get("id"), int)


def write_cleaned(data, problems, source, fix_out):
    """Write the cleaned copy to ``fix_out`` (atomically; never over ``source``); return the
    Counter of changes."""
    if os.path.abspath(fix_out) == os.path.abspath(source):
        raise DatasetError(f"--fix-out {fix_out} is the input file; choose another path")
    cleaned, changes = cleaned_coco(data, problems)
    folder = os.path.dirname(os.path.abspath(fix_out))
    os.makedirs(folder, exist_ok=True)
    with atomic_open(fix_out, "w") as f:
        json.dump(cleaned, f)
    return changes
