"""What a distillation step costs next to a plain BN training step of the same ResNet, on this
machine: the ratio that scales published GPU training throughput into a distillation estimate
(main README, "Cost").

    OMP_NUM_THREADS=1 python projects/GNCarryOver/distill_cost.py --depth 50 --image-size 224

Per round, interleaved so that a loaded machine slows all alike: a distillation step
(FrozenBN teacher forward, GN student forward and backward, the loss of
tools/distill_gn_backbone.py), a BN step (forward and backward of the BN ResNet) and the same
BN step again (the A/A control: its ratio to the first says how noisy the machine is). Prints
the median seconds per image of each and the median of the per-round ratios.
"""

import argparse
import statistics
import time

import torch

from gn_det.distillation import STAGES, DistillationModel, build_resnet
from gn_det.engine.setup import load_config
from gn_det.modeling.norm import NormSpec

CONFIG = "configs/Shapes/mask_rcnn_R_18_FPN_tiny.yaml"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--depth", type=int, default=50)
    p.add_argument("--image-size", type=int, default=224)
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--rounds", type=int, default=7)
    return p.parse_args()


def main():
    args = parse_args()
    torch.set_num_threads(1)
    width = 64 if args.depth < 50 else 256
    cfg = load_config(CONFIG, ["MODEL.RESNETS.DEPTH", args.depth,
                               "MODEL.RESNETS.RES2_OUT_CHANNELS", width])  # fmt: skip
    teacher = build_resnet(cfg, NormSpec("FrozenBN")).eval().requires_grad_(False)
    student = build_resnet(cfg, NormSpec("GN"))
    bn = build_resnet(cfg, NormSpec("BN"))
    model = DistillationModel(cfg, teacher, student, dict.fromkeys(STAGES, 1.0))
    size = args.image_size
    images = torch.randint(0, 255, (args.batch, 3, size, size), dtype=torch.uint8)

    def distill():
        sum(model({"images": images}).values()).backward()

    def bn_step():
        maps = bn(model.normalize(images))
        sum(m.mean() for m in maps.values()).backward()

    steps = {"distill": distill, "bn": bn_step, "bn_again": bn_step}
    for step in steps.values():  # warm-up
        step()
    times = {name: [] for name in steps}
    for r in range(args.rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
        print(f"round {r + 1}/{args.rounds}: " + ", ".join(
            f"{n} {t[-1]:.2f} s" for n, t in times.items()), flush=True)  # fmt: skip
    per_image = {n: statistics.median(t) / args.batch for n, t in times.items()}
    ratio = {n: statistics.median(a / b for a, b in zip(times[n], times["bn"]))
             for n in ("distill", "bn_again")}  # fmt: skip
    print(f"R-{args.depth} at {size} px, batch {args.batch}, 1 thread, {args.rounds} rounds: "
          + ", ".join(f"{n} {s:.3f} s/image" for n, s in per_image.items()))  # fmt: skip
    print(f"distill / bn {ratio['distill']:.2f}, A/A bn_again / bn {ratio['bn_again']:.2f}")


if __name__ == "__main__":
    main()
