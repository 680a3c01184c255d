"""gn_det's config keys, added to a detectron2 config by ``add_gn_det_config``."""

from detectron2.config import CfgNode as CN

from .utils.errors import GNDetError


class ConfigError(GNDetError, ValueError):
    """A config file, override or value that cannot be used; the message names the key."""


def add_gn_det_config(cfg):
    """Add gn_det's keys (``MODEL.NORM.*``, ``SOLVER.NORM_LR_FACTOR``, ``DATASETS.*``, ...) to
    a detectron2 config."""
    cfg.MODEL.NORM = CN()
    # Norm kind for every part in MODEL.NORM.PARTS: "FrozenBN", "BN", "SyncBN", "GN",
    # "LN" (GN with one group), "IN" (one group per channel) or "none" (no norm; convs
    # get a bias). "" leaves detectron2's own keys in charge: MODEL.RESNETS.NORM,
    # MODEL.FPN.NORM, MODEL.ROI_BOX_HEAD.NORM and MODEL.ROI_MASK_HEAD.NORM.
    # Needs MODEL.META_ARCHITECTURE "GNDetRCNN" (set by gn_det's base configs).
    cfg.MODEL.NORM.TYPE = ""
    # Parts that MODEL.NORM.TYPE applies to; parts left out keep their detectron2 key,
    # e.g. ["fpn", "box_head", "mask_head"] with RESNETS.NORM "FrozenBN" gives the
    # paper's "FrozenBN backbone + GN heads".
    cfg.MODEL.NORM.PARTS = ["backbone", "fpn", "box_head", "mask_head"]
    # Number of groups of each GN layer (32 in the paper). It must divide the channel
    # count of every normalized layer; a layer it does not divide is rejected at build.
    cfg.MODEL.NORM.NUM_GROUPS = 32
    # If > 0, GN layers use (channels // CHANNELS_PER_GROUP) groups instead of
    # NUM_GROUPS: a fixed group size rather than a fixed group count.
    cfg.MODEL.NORM.CHANNELS_PER_GROUP = 0
    # Epsilon added to the variance by GN, LN and IN.
    cfg.MODEL.NORM.EPS = 1e-5
    # Weight Standardization: the convs of MODEL.NORM.PARTS followed by GroupNorm convolve
    # with (w - mean) / (std + 1e-5) per output channel (unbiased std, as mmcv's ConvWS2d);
    # checkpoint keys are unchanged. Needs MODEL.NORM.TYPE GN, LN or IN.
    cfg.MODEL.NORM.WS = False

    # Learning rate of the norm layers' scale and shift (GN, LN, IN, BN, SyncBN) as a multiple
    # of the LR that their group would get (SOLVER.BASE_LR and its schedule); 0 keeps them at
    # their initial (e.g. pretrained) values while the norm still normalizes. Weight decay
    # of the same parameters: detectron2's SOLVER.WEIGHT_DECAY_NORM.
    cfg.SOLVER.NORM_LR_FACTOR = 1.0

    # Load MODEL.WEIGHTS even if backbone weights are missing from it or have another shape
    # (they keep their random init). False: that is an error naming the missing keys.
    cfg.MODEL.BACKBONE.ALLOW_MISSING_WEIGHTS = False

    # COCO-format datasets to register before training, as [name, json_file, image_root]
    # triples, e.g. [["my_train", "ann/train.json", "images/train"]]. Names can then be
    # used in DATASETS.TRAIN / DATASETS.TEST.
    cfg.DATASETS.REGISTER_COCO = []
    # Image files whose file_name is absolute or leaves the dataset's image folder ("../")
    # are an error before training (and in tools/check_dataset.py), since a JSON file from
    # elsewhere could make training read any file; True reads them as they are named.
    cfg.DATASETS.ALLOW_IMAGES_OUTSIDE_ROOT = False
    # Before training, the header (format and size, not the pixels) of every image of each
    # COCO dataset with at most this many images is read and checked against the JSON;
    # a larger dataset gets a warning that its images were not opened. 0: never, silently.
    cfg.DATASETS.IMAGE_HEADER_CHECK_LIMIT = 10000

    # Speed options (gn_det/modeling/speed/, measured in projects/Performance/README.md).
    # They change how the model computes, not its parameters or checkpoint keys.
    cfg.MODEL.SPEED = CN()
    # Store conv weights (backbone, FPN, RPN and ROI heads) in channels_last (NHWC) memory
    # format, so activations flow NHWC: cuDNN tensor cores prefer it; on a 2-core AVX2 CPU
    # it sped up only folded FrozenBN inference (GN training 6% slower: Performance README).
    cfg.MODEL.SPEED.CHANNELS_LAST = False
    # Mixed precision of the model forward (training and inference): "" (float32),
    # "bfloat16" or "float16". GN statistics stay float32. float16 training needs a loss
    # scaler: set SOLVER.AMP.ENABLED True (detectron2's AMPTrainer, CUDA only) with it.
    cfg.MODEL.SPEED.AMP_DTYPE = ""
    # torch.compile the backbone (ResNet + FPN) forward, fusing each GN with its ReLU;
    # falls back to eager mode with a warning where compilation is unavailable or fails.
    cfg.MODEL.SPEED.COMPILE = False
    # At inference, fold FrozenBN (and BN's running statistics) into the preceding conv:
    # exact up to rounding, one pass over the activations less per layer.
    cfg.MODEL.SPEED.FOLD_BN = True
