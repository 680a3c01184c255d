"""A fake repository tree for whole-run tests: its tools/train_net.py logs as the real one."""

# A stand-in for tools/train_net.py: logs losses that depend on SEED and on LOSS_SHIFT, an
# AP, and detectron2's speed line, as the real tool does.
FAKE_TRAIN_NET = """
import json, os, sys
args = sys.argv[1:]
seed, out = int(args[args.index("SEED") + 1]), args[args.index("OUTPUT_DIR") + 1]
shift = float(os.environ.get("LOSS_SHIFT", 0))
assert "OMP_NUM_THREADS" not in os.environ  # threading comes from the arm only
with open(os.path.join(out, "metrics.json"), "w") as f:
    for it in (19, 39):
        f.write(json.dumps({"iteration": it, "total_loss": seed + it + shift, "data_time": 0.01}))
        f.write("\\n")
    f.write(json.dumps({"iteration": 39, "bbox/AP": 50.0 + seed, "segm/AP": 40.0}) + "\\n")
with open(os.path.join(out, "log.txt"), "w") as f:
    f.write("Overall training speed: 38 iterations in 0:00:19 (0.5000 s / it)\\n")
"""


def fake_tree(folder):
    """A folder holding tools/train_net.py as FAKE_TRAIN_NET; its path."""
    (folder / "tree" / "tools").mkdir(parents=True)
    (folder / "tree" / "tools" / "train_net.py").write_text(FAKE_TRAIN_NET)
    return str(folder / "tree")
