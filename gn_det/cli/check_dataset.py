"""Check a COCO-format dataset before spending GPU time on it.

    python tools/check_dataset.py shapes_train
    python tools/check_dataset.py --json ann/train.json --images img/train
    python tools/check_dataset.py --json ann/train.json --images img/train --fix-out clean.json

Prints a table of problems (count and first examples with ids per kind) and exits 1 if any
is an error. ``--fix-out`` writes a copy without the entries that have errors; the original
is never modified. ``--no-images`` skips opening images (existence is still checked); a
file_name that is absolute or leaves the image folder is an error unless
``--allow-outside-root``.
"""

import argparse
import difflib
import os

from detectron2.data import DatasetCatalog, MetadataCatalog

from ..coco.check import check_coco_file
from ..coco.problems import weigh
from ..coco.report import counts_line, legend, report_table, severity_counts
from ..data.coco_fix import write_cleaned
from ..data.datasets import DatasetError
from ..data.shapes import ensure_shapes_dataset
from ..utils.output_paths import check_output_file
from .arguments import non_negative
from .runner import run_cli


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name", nargs="?", help="a registered dataset name")
    parser.add_argument("--json", help="COCO instances JSON (instead of a name)")
    parser.add_argument("--images", help="image folder of --json")
    parser.add_argument("--no-images", action="store_true", help="do not open image files")
    parser.add_argument(
        "--allow-outside-root", action="store_true",
        help="accept file_names that are absolute or leave the image folder (../)",
    )  # fmt: skip
    parser.add_argument("--fix-out", metavar="FILE", help="write a cleaned copy of the JSON")
    parser.add_argument("--examples", type=non_negative(int), default=3, help="shown per problem")
    args = parser.parse_args(argv)
    if bool(args.name) == bool(args.json):
        parser.error("give a dataset NAME or --json FILE (with --images DIR)")
    return args


def dataset_files(args):
    """(json_file, image_root) to check; DatasetError if they are unusable."""
    if args.json:
        json_file, image_root = args.json, args.images
    else:
        if args.name not in DatasetCatalog.list():
            close = difflib.get_close_matches(args.name, DatasetCatalog.list(), n=5, cutoff=0.5)
            raise DatasetError(
                f"dataset {args.name!r} is not registered. Close names: "
                f"{close or 'none'}; or check files with --json FILE --images DIR"
            )
        meta = MetadataCatalog.get(args.name)
        kind = meta.get("evaluator_type")
        if not meta.get("json_file") or kind != "coco":
            raise DatasetError(f"dataset {args.name!r} is not a COCO instances dataset ({kind})")
        if meta.get("shapes_root"):
            ensure_shapes_dataset(meta.shapes_root)
        json_file, image_root = meta.json_file, meta.get("image_root")
    if not os.path.isfile(json_file):
        raise DatasetError(f"annotation file {json_file} does not exist")
    if image_root is not None and not os.path.isdir(image_root):
        raise DatasetError(f"image folder {image_root} does not exist")
    return json_file, image_root


def main(argv=None):
    args = parse_args(argv)
    if args.fix_out:
        check_output_file(args.fix_out, "--fix-out")
    json_file, image_root = dataset_files(args)
    data, problems = check_coco_file(
        json_file,
        image_root,
        images="exists" if args.no_images else "header",
        allow_outside_root=args.allow_outside_root,
    )
    problems = weigh(problems, "dataset")
    if data is not None:
        sizes = {k: len(data[k]) for k in ("images", "annotations", "categories")}
        print(f"{json_file}: " + ", ".join(f"{n} {k}" for k, n in sizes.items()))
    if image_root is None:
        print("image files not checked (no --images)")
    if problems:
        print(report_table(problems, args.examples))
        print(legend(problems))
    print(counts_line(problems))
    if args.fix_out and data is not None:
        changes = write_cleaned(data, problems, json_file, args.fix_out)
        done = ", ".join(f"{what}: {n}" for what, n in changes.items() if n) or "no changes"
        print(f"wrote {args.fix_out}: {done}")
    return 1 if severity_counts(problems)["error"] else 0


def run():
    run_cli(main)


if __name__ == "__main__":
    run()
