"""gn_det's config keys, added to a detectron2 config by ``add_gn_det_config``."""

from detectron2.config import CfgNode as CN


def add_gn_det_config(cfg):
    """Add gn_det's keys (``MODEL.NORM.*``, ``DATASETS.REGISTER_COCO``) to a detectron2 config."""
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

    # COCO-format datasets to register before training, as [name, json_file, image_root]
    # triples, e.g. [["my_train", "ann/train.json", "images/train"]]. Names can then be
    # used in DATASETS.TRAIN / DATASETS.TEST.
    cfg.DATASETS.REGISTER_COCO = []
