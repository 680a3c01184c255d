"""The settings that gn_det's run messages point to, as each config system names them.

A YAML config says ``MODEL.WEIGHTS`` and is overridden with ``KEY VALUE``; a LazyConfig says
``train.init_checkpoint`` and is overridden with ``key=value``. Checks and hooks shared by
tools/train_net.py and tools/lazyconfig_train_net.py word their advice through these.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigKeys:
    """Names of the settings a message can tell the user to change."""

    weights: str
    norm_type: str
    freeze_at: str
    base_lr: str
    warmup: str
    checkpoint_period: str
    output_dir: str
    assign: str  # one command-line override: "{key} {value}" or "{key}={value}"

    def setting(self, key, value):
        """How to set ``key`` to ``value`` on the command line."""
        return self.assign.format(key=key, value=value)


YAML_KEYS = ConfigKeys(
    weights="MODEL.WEIGHTS",
    norm_type="MODEL.NORM.TYPE",
    freeze_at="MODEL.BACKBONE.FREEZE_AT",
    base_lr="SOLVER.BASE_LR",
    warmup="SOLVER.WARMUP_ITERS",
    checkpoint_period="SOLVER.CHECKPOINT_PERIOD",
    output_dir="OUTPUT_DIR",
    assign="{key} {value}",
)

LAZY_KEYS = ConfigKeys(
    weights="train.init_checkpoint",
    norm_type="model.norm.type",
    freeze_at="model.backbone.bottom_up.freeze_at",
    base_lr="optimizer.lr",
    warmup="lr_multiplier.warmup_length",
    checkpoint_period="train.checkpointer.period",
    output_dir="train.output_dir",
    assign="{key}={value}",
)
