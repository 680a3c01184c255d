"""Convert a pretrained ResNet checkpoint to detectron2 weights for MODEL.WEIGHTS.

    python tools/convert_pretrained.py R-50-GN.pkl R-50-GN-d2.pkl --format detectron
    python tools/convert_pretrained.py resnet50_gn.pth r50_gn.pkl --format torchvision
    python tools/convert_pretrained.py resnet50_gn.safetensors r50_gn.pkl --format timm

Per format, the detection config must match (see README, "Pretrained backbones"):
detectron is BGR, PIXEL_STD [1,1,1]; torchvision/timm are RGB with ImageNet mean/std
(``--input-format BGR`` flips the first conv for BGR configs); GN models put the stride
in the 3x3 conv (STRIDE_IN_1X1 False). Nothing is written when the source is rejected.
"""

import argparse
import os

from ..checkpoint.weights_pkl import detectron2_weights, save_weights_pkl
from ..pretrained import FORMATS, STAGE_BLOCKS, ConvertError, convert_resnet, read_weights
from ..utils.output_paths import check_output_file
from .runner import run_cli


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("source", help="pretrained checkpoint (.pkl, .pth/.pt, .safetensors)")
    p.add_argument("output", help="detectron2 weights to write (.pkl)")
    p.add_argument("--format", required=True, choices=sorted(FORMATS), help="source layout")
    p.add_argument("--depth", type=int, choices=sorted(STAGE_BLOCKS),
                   help="expected ResNet depth (checked against the checkpoint)")  # fmt: skip
    p.add_argument("--num-groups", type=int, default=32, help="GN groups the source used")
    p.add_argument("--input-format", choices=("BGR", "RGB"),
                   help="INPUT.FORMAT of the detection config (default: the source's)")  # fmt: skip
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if not args.output.lower().endswith(".pkl"):
        raise ConvertError(f"output {args.output} must end in .pkl (detectron2 weights)")
    check_output_file(args.output, "output")
    weights = read_weights(args.source)
    converted, norm, meta = convert_resnet(
        weights, args.format, depth=args.depth, num_groups=args.num_groups,
        input_format=args.input_format,
    )  # fmt: skip
    data = detectron2_weights(
        converted, f"gn_det tools/convert_pretrained.py ({args.format})", norm=norm,
        backbone=meta, source=os.path.abspath(args.source),
    )  # fmt: skip
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    save_weights_pkl(data, args.output)
    groups = f", {norm['num_groups']} groups" if "num_groups" in norm else ""
    print(
        f"wrote {args.output}: ResNet-{meta['depth']}, {norm['kind']}{groups}, "
        f"{len(converted)} tensors; config: MODEL.RESNETS.DEPTH {meta['depth']} "
        f"MODEL.RESNETS.STRIDE_IN_1X1 {meta['stride_in_1x1']} INPUT.FORMAT {meta['input_format']}"
    )


def run():
    run_cli(main)


if __name__ == "__main__":
    run()
