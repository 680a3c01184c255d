# The LazyConfig twin of mask_rcnn_R_50_FPN_1x_gn.yaml (the same model, data and schedule):
# detectron2's COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_1x.py with GN in backbone, FPN,
# box and mask heads, a 4conv1fc box head and a GN-pretrained ResNet-50, fine-tuned live.
from detectron2.config import LazyConfig
from detectron2.model_zoo import get_config_file

from gn_det.modeling.lazy import with_norm

dataloader, lr_multiplier, model, optimizer, train = LazyConfig.load(
    get_config_file("COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_1x.py"),
    ("dataloader", "lr_multiplier", "model", "optimizer", "train"),
)
model = with_norm(model, type="GN")
model.backbone.bottom_up.stages.stride_in_1x1 = False  # as the GN ImageNet weights
model.roi_heads.box_head.conv_dims = [256, 256, 256, 256]
model.roi_heads.box_head.fc_dims = [1024]
train.init_checkpoint = "catalog://ImageNetPretrained/FAIR/R-50-GN"
