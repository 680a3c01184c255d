"""The student: the teacher's ResNet with a GroupNorm-family norm, started from the teacher."""

from ..modeling.norm import GROUP_NORM_KINDS, NormConfigError, NormSpec, is_group_norm
from .resnet import build_resnet


def student_norm(cfg):
    """The student's norm: MODEL.NORM.* if it is GN, LN or IN (with MODEL.NORM.WS for GN+WS),
    GN with MODEL.NORM's group settings when MODEL.NORM.TYPE is ""."""
    spec = NormSpec.from_config(cfg)
    if spec is None:
        node = cfg.MODEL.NORM
        spec = NormSpec(
            kind="GN", num_groups=node.NUM_GROUPS, channels_per_group=node.CHANNELS_PER_GROUP,
            eps=node.EPS,
        )  # fmt: skip
    if not is_group_norm(spec.kind):
        raise NormConfigError(
            f"{spec.key('TYPE')}={spec.kind!r}: the student must use GroupNorm; set "
            f"{spec.key('TYPE')} to one of {', '.join(GROUP_NORM_KINDS)} (add "
            f"{spec.key('WS')} True for GN+WS)"
        )
    return spec


def init_from_teacher(student, teacher):
    """Copy the teacher's conv weights, and its BN scale and shift into the student's norms.

    Why the BN scale and shift: over the data, BN leaves each channel with mean beta and
    standard deviation |gamma| (its statistics are those of the data). GN normalizes each
    sample's channel group to mean 0 and variance 1 before the same affine map, so with the
    teacher's gamma and beta each channel again leaves with mean about beta and spread about
    |gamma|: the next conv, copied from the teacher, sees inputs on the scale it was trained
    for, and blocks whose last BN scale is near 0 stay near the identity. GN's default
    (gamma 1, beta 0) would give every channel unit spread instead (tests compare both).
    """
    weights = teacher.state_dict()
    state = student.state_dict()
    missing = [k for k in state if k not in weights]
    if missing:
        raise ValueError(f"the student has keys the teacher lacks: {missing[:3]}")
    student.load_state_dict({k: weights[k].detach().clone() for k in state})
    return student


def build_student(cfg, teacher, spec):
    """The config's ResNet with ``spec``'s norm, initialized from ``teacher``."""
    student = build_resnet(cfg, spec)
    return init_from_teacher(student, teacher)
