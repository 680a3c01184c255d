"""The norm flag in a LazyConfig: ``with_norm(model, type="GN")`` in a config file.

A LazyConfig's model node is a lazy call of detectron2's ``GeneralizedRCNN``. ``with_norm``
makes it a call of ``GNDetRCNN`` (the same class the YAML configs build) and adds two fields:
``norm`` (the MODEL.NORM.* settings, lower case) and ``speed`` (MODEL.SPEED.*). The stock
builders build every part as the config describes it; GNDetRCNN then gives the parts named
in ``model.norm.parts`` the norm of ``model.norm.type``, as ``MODEL.NORM.*`` does, so each
setting is one command-line override::

    model.norm.type=GN model.norm.parts='[fpn,box_head,mask_head]' model.norm.num_groups=16
    model.norm.ws=True model.speed.channels_last=True
"""

from detectron2.modeling import GeneralizedRCNN
from detectron2.utils.registry import locate

from .meta_arch import GNDetRCNN
from .norm import NormConfigError, NormSpec, norm_fields
from .speed import speed_fields


def with_norm(model, **norm):
    """``model`` (a LazyConfig node of GeneralizedRCNN), built by GNDetRCNN with the norm
    ``norm`` (fields of ``norm_fields``: type, parts, num_groups, channels_per_group, eps, ws)
    and the default speed options. Changes the node in place and returns it."""
    target = model.get("_target_")
    target = locate(target) if isinstance(target, str) else target
    if not (isinstance(target, type) and issubclass(target, GeneralizedRCNN)):
        raise NormConfigError(
            f"with_norm needs a model node of GeneralizedRCNN (Mask R-CNN, Faster R-CNN), "
            f"got a call of {target!r}"
        )
    fields = norm_fields(**norm)
    NormSpec.from_fields(fields)  # a bad field fails here, where the config file sets it
    model._target_ = GNDetRCNN
    model.norm = fields
    model.speed = speed_fields()
    return model
