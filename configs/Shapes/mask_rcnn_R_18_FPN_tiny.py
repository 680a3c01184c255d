# The LazyConfig twin of mask_rcnn_R_18_FPN_tiny.yaml (the same model, data and schedule), for
# CPUs: ResNet-18, FPN and heads 64 wide, GN everywhere, from scratch on the embedded shapes
# data (128x128 images), over detectron2's common LazyConfig files.
from detectron2.config import LazyCall as L
from detectron2.config import LazyConfig
from detectron2.data import transforms as T
from detectron2.layers import ShapeSpec
from detectron2.model_zoo import get_config_file
from detectron2.solver import WarmupParamScheduler
from fvcore.common.param_scheduler import MultiStepParamScheduler

from gn_det.modeling.lazy import with_norm

model = LazyConfig.load(get_config_file("common/models/mask_rcnn_fpn.py"), "model")
dataloader = LazyConfig.load(get_config_file("common/data/coco.py"), "dataloader")
optimizer = LazyConfig.load(get_config_file("common/optim.py"), "SGD")
train = LazyConfig.load(get_config_file("common/train.py"), "train")

model = with_norm(model, type="GN")
model.pixel_std = [57.375, 57.12, 58.395]
bottom_up = model.backbone.bottom_up
bottom_up.freeze_at = 0
bottom_up.stages.depth = 18
bottom_up.stages.pop("stride_in_1x1")  # ResNet-18's blocks have no 1x1 conv
model.backbone.out_channels = 64
rpn = model.proposal_generator
rpn.head.in_channels = 64
rpn.anchor_generator.sizes = [[12], [24], [48], [96], [192]]
rpn.pre_nms_topk = (400, 400)
rpn.post_nms_topk = (200, 100)
rpn.batch_size_per_image = 128
heads = model.roi_heads
heads.num_classes = 5
heads.batch_size_per_image = 64
heads.box_pooler.sampling_ratio = 1
heads.box_head.input_shape = ShapeSpec(channels=64, height=7, width=7)
heads.box_head.conv_dims = [64, 64, 64, 64]
heads.box_head.fc_dims = [256]
heads.box_predictor.input_shape = ShapeSpec(channels=256)
heads.box_predictor.test_topk_per_image = 50
heads.mask_pooler.sampling_ratio = 1
heads.mask_head.input_shape = ShapeSpec(channels=64, width=14, height=14)
heads.mask_head.conv_dims = [64, 64, 64, 64, 64]

dataloader.train.dataset.names = "shapes_train"
dataloader.train.mapper.augmentations = [
    L(T.ResizeShortestEdge)(short_edge_length=(128,), max_size=128, sample_style="choice"),
    L(T.RandomFlip)(horizontal=True),
]
dataloader.train.mapper.instance_mask_format = "bitmask"
dataloader.train.total_batch_size = 4
dataloader.train.num_workers = 1
dataloader.test.dataset.names = "shapes_val"
dataloader.test.mapper.augmentations = [
    L(T.ResizeShortestEdge)(short_edge_length=128, max_size=128),
]
dataloader.test.num_workers = 1

train.max_iter = 950
lr_multiplier = L(WarmupParamScheduler)(
    scheduler=L(MultiStepParamScheduler)(
        values=[1.0, 0.1, 0.01], milestones=[750, 900], num_updates=train.max_iter
    ),
    warmup_length=100 / train.max_iter,
    warmup_factor=0.001,
)
train.checkpointer.period = 250
train.eval_period = 0  # evaluate once, at the end
train.seed = 42
train.output_dir = "output/shapes_R_18_FPN_tiny_lazy"
