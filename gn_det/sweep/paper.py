"""The paper's numbers the studies are compared with (Wu & He, Group Normalization, ECCV 2018):
ResNet-50 top-1 validation error (%) on ImageNet, drawn as a separate reference panel and
quoted in claims.csv. They are the paper's, never ours."""

REFERENCE_LABEL = "paper (ImageNet, ResNet-50)"

# Table 2 / Figure 1: top-1 error vs images per GPU
BATCH_ERROR = {
    "BN": {32: 23.6, 16: 23.7, 8: 24.8, 4: 27.3, 2: 34.7},
    "GN": {32: 24.1, 16: 24.2, 8: 24.0, 4: 24.2, 2: 24.1},
}
# Table 1: the other norms at 32 images per GPU
NORM_ERROR_32 = {"BN": 23.6, "GN": 24.1, "LN": 25.3, "IN": 28.4}
# Table 3: GN group counts at 32 images per GPU (G=1 is LN)
GROUPS_ERROR = {64: 24.6, 32: 24.1, 16: 24.6, 8: 24.4, 4: 24.6, 2: 24.7, 1: 25.3}
# one channel per group is IN (Table 1)
ONE_CHANNEL_PER_GROUP_ERROR = 28.4
# Section 6 (COCO, Mask R-CNN R50-FPN): GN pretrained and fine-tuned live vs FrozenBN
CARRYOVER_BOX_AP_GAIN = 1.5
