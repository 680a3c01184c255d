# detectron2's new_baselines/mask_rcnn_R_101_FPN_100ep_LSJ.py (from scratch) with GN
# instead of SyncBN (backbone, FPN) and NaiveSyncBatchNorm (heads); nothing else changes.
from detectron2.config import LazyConfig
from detectron2.model_zoo import get_config_file

from gn_det.modeling.lazy import with_norm

dataloader, lr_multiplier, model, optimizer, train = LazyConfig.load(
    get_config_file("new_baselines/mask_rcnn_R_101_FPN_100ep_LSJ.py"),
    ("dataloader", "lr_multiplier", "model", "optimizer", "train"),
)
model = with_norm(model, type="GN")
