"""Draw predictions (masks, boxes, class names, scores) over dataset images into PNGs.

    python tools/visualize.py --config-file C MODEL.WEIGHTS W --output vis [--num 8]
    python tools/visualize.py --results RES.json --gt GT.json --image-root IMAGES --output vis

A model predicts on the images of DATASETS.TEST[0] (or --dataset); a results file (COCO
format, as written by the evaluator) is drawn over the images its ground truth lists. Only
detections scoring at least --threshold are drawn, and the tool says how many were left out.
"""

import argparse
import os
from collections import defaultdict

from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.data.catalog import Metadata
from detectron2.data.detection_utils import read_image
from detectron2.engine import DefaultPredictor

from ..checkpoint.checkpointer import GNDetCheckpointer
from ..data import prepare_datasets
from ..data.image_guard import READ_ERRORS, read_error_detail
from ..engine.setup import load_config
from ..evaluation.drawing import draw_instances, results_to_instances
from ..evaluation.errors import EvaluationInputError
from ..evaluation.results_check import check_gt, check_results, infer_iou_types, read_json
from ..utils.output_paths import check_output_dir
from .arguments import parse_args, positive
from .runner import run_cli


def _png(output, file_name):
    return os.path.join(output, os.path.splitext(os.path.basename(file_name))[0] + ".png")


def _read(path, image_id):
    if not os.path.isfile(path):
        raise EvaluationInputError(f"image file {path} (image id {image_id}) does not exist")
    try:
        return read_image(path, format="BGR")
    except READ_ERRORS as e:
        why = read_error_detail(path, e)
        raise EvaluationInputError(f"image file {path} (image id {image_id}): {why}") from None


def draw_results(args):
    """The results file over the first --num images of its ground truth; (total, kept) each."""
    gt = read_json(args.gt, "GT")
    results = read_json(args.results, "results")
    iou_types = infer_iou_types(results, args.results)
    check_gt(gt, args.gt, iou_types)
    results, _ = check_results(results, gt, args.results, iou_types)
    categories = sorted(gt["categories"], key=lambda c: c["id"])
    metadata = Metadata(name=args.gt, thing_classes=[c["name"] for c in categories])
    contiguous = {c["id"]: i for i, c in enumerate(categories)}
    by_image = defaultdict(list)
    for r in results:
        by_image[r["image_id"]].append(r)
    counts = []
    os.makedirs(args.output, exist_ok=True)
    for img in gt["images"][: args.num]:
        image = _read(os.path.join(args.image_root, img["file_name"]), img["id"])
        kept = [r for r in by_image[img["id"]] if r["score"] >= args.threshold]
        instances = results_to_instances(kept, img["height"], img["width"], contiguous)
        draw_instances(image, instances, metadata, _png(args.output, img["file_name"]), args.scale)
        counts.append((len(by_image[img["id"]]), len(kept)))
    return counts


def draw_model(args):
    """A model's predictions on the first --num images of a dataset; (total, kept) each."""
    cfg = load_config(args.config_file, args.opts)
    weights = cfg.MODEL.WEIGHTS
    if not weights or ("://" not in weights and not os.path.isfile(weights)):
        raise EvaluationInputError(f"MODEL.WEIGHTS {weights!r} does not exist (a model needs it)")
    name = args.dataset or (cfg.DATASETS.TEST[0] if cfg.DATASETS.TEST else None)
    if not name:
        raise EvaluationInputError("no dataset: pass --dataset NAME or set DATASETS.TEST")
    cfg.DATASETS.TEST = (name,)
    cfg.MODEL.WEIGHTS = ""  # loaded below by the checkpointer that runs no pickled code
    prepare_datasets(cfg)
    predictor = DefaultPredictor(cfg)
    GNDetCheckpointer.for_config(predictor.model, cfg).load(weights)
    metadata = MetadataCatalog.get(name)
    counts = []
    os.makedirs(args.output, exist_ok=True)
    for rec in DatasetCatalog.get(name)[: args.num]:
        image = _read(rec["file_name"], rec["image_id"])
        instances = predictor(image)["instances"]
        keep = instances.scores >= args.threshold
        draw_instances(
            image, instances[keep], metadata, _png(args.output, rec["file_name"]), args.scale
        )
        counts.append((len(instances), int(keep.sum())))
    return counts


def parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config-file", help="model config (with MODEL.WEIGHTS among the opts)")
    p.add_argument("--dataset", help="registered dataset to draw on (default: DATASETS.TEST[0])")
    p.add_argument("--results", help="COCO results JSON to draw instead of a model's predictions")
    p.add_argument("--gt", help="COCO ground-truth JSON of --results (images and class names)")
    p.add_argument("--image-root", help="folder of the --gt images")
    p.add_argument("--output", required=True, help="folder for the PNGs")
    p.add_argument("--num", type=positive(int), default=8, help="number of images (default 8)")
    p.add_argument("--threshold", type=float, default=0.5, help="minimum score drawn")
    p.add_argument("--scale", type=positive(float), default=1.0, help="output size / image size")
    p.add_argument("opts", nargs=argparse.REMAINDER, help="KEY VALUE config overrides")
    return p


def main(argv=None):
    args = parse_args(parser(), argv)
    from_results = bool(args.results or args.gt or args.image_root)
    if from_results and not (args.results and args.gt and args.image_root and not args.config_file):
        raise EvaluationInputError(
            "a results file takes --results, --gt and --image-root, no --config-file"
        )
    if not from_results and not args.config_file:
        raise EvaluationInputError(
            "pass --config-file C MODEL.WEIGHTS W, or --results, --gt, --image-root"
        )
    check_output_dir(args.output, "--output")
    counts = (draw_results if from_results else draw_model)(args)
    total, kept = sum(c[0] for c in counts), sum(c[1] for c in counts)
    print(
        f"drew {kept} detections on {len(counts)} images into {args.output} "
        f"({total - kept} of {total} scored below --threshold {args.threshold}, not drawn)"
    )


def run():
    run_cli(main)


if __name__ == "__main__":
    run()
