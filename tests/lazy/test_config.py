"""Loading a LazyConfig for tools/lazyconfig_train_net.py: one-line errors, checked overrides."""

import pytest
from detectron2.model_zoo import get_config_file

from gn_det.engine.setup import ConfigError
from gn_det.lazy.config import (
    TRAIN_DEFAULTS,
    accepted_arguments,
    in_lazy_terms,
    lazy_terms,
    load_lazy_config,
)
from gn_det.modeling import GNDetRCNN, NormConfigError

from ..conftest import REPO

SHAPES = str(REPO / "configs" / "Shapes" / "mask_rcnn_R_18_FPN_tiny.py")


HEADER = (
    "from detectron2.config import LazyConfig\n"
    f"base = LazyConfig.load({SHAPES!r})\n"
    "model, dataloader, optimizer, lr_multiplier, train = base.model, base.dataloader, "
    "base.optimizer, base.lr_multiplier, base.train\n"
)


def write_config(tmp_path, text, name="config.py"):
    """A config file of three lines over the Shapes LazyConfig, then ``text`` (line 4 on)."""
    path = tmp_path / name
    path.write_text(f"{HEADER}{text}\n")
    return str(path)


def one_line(error_class, call):
    with pytest.raises(error_class) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    return message


def test_overrides_apply_and_gn_det_train_defaults_are_added():
    cfg = load_lazy_config(SHAPES, ["model.norm.type=LN", "model.norm.parts=[fpn,box_head]",
                                    "train.max_iter=7", "train.seed=3"])  # fmt: skip
    assert cfg.model.norm.type == "LN" and list(cfg.model.norm.parts) == ["fpn", "box_head"]
    assert (cfg.train.max_iter, cfg.train.seed) == (7, 3)
    assert set(TRAIN_DEFAULTS) <= set(cfg.train)
    assert cfg.train.allow_missing_backbone_weights is False
    assert cfg.train.device == "cpu"  # detectron2's "cuda", without CUDA here


def test_an_argument_of_a_lazy_call_may_be_added_a_misspelt_one_may_not():
    cfg = load_lazy_config(SHAPES, ["model.roi_heads.box_predictor.smooth_l1_beta=0.5"])
    assert cfg.model.roi_heads.box_predictor.smooth_l1_beta == 0.5
    message = one_line(
        ConfigError,
        lambda: load_lazy_config(SHAPES, ["model.roi_heads.box_predictor.smooth_l1_bet=0.5"]),
    )
    assert message == (
        "override model.roi_heads.box_predictor.smooth_l1_bet: model.roi_heads.box_predictor "
        "has no key 'smooth_l1_bet'; did you mean smooth_l1_beta?"
    )


@pytest.mark.parametrize(
    "overrides,expected",
    [
        (["model.norm.tpye=LN"], "model.norm has no key 'tpye'; did you mean type?"),
        (["train.max_iters=5"], "train has no key 'max_iters'; did you mean max_iter?"),
        (["modle.norm.type=LN"], "the config has no key 'modle'; did you mean model?"),
        (["train.max_iter.x=5"], "train.max_iter is a value"),
        (["dataloader.train.mapper.augmentations.5.max_size=64"], "is a list of 2 items"),
        (["MODEL.NORM.TYPE", "GN"], "KEY VALUE pairs are for YAML configs (tools/train_net.py)"),
        (["train.max_iter=5", "--resume"], "flags such as --num-gpus go before the key=value"),
        (["~train.max_iter"], "deleting keys is not supported"),
        (["train.max_iter=[1,"], "bad key=value override:"),
    ],
)
def test_bad_overrides_are_one_line_errors(overrides, expected):
    assert expected in one_line(ConfigError, lambda: load_lazy_config(SHAPES, overrides))


def test_list_items_can_be_overridden():
    cfg = load_lazy_config(SHAPES, ["dataloader.train.mapper.augmentations.0.max_size=64"])
    assert cfg.dataloader.train.mapper.augmentations[0].max_size == 64


@pytest.mark.parametrize(
    "name,text,expected",
    [
        ("c.yaml", "", "tools/lazyconfig_train_net.py takes LazyConfig .py files; train YAML"),
        ("c.txt", "", "c.txt is not a LazyConfig .py file"),
        ("c.py", "train.max_iter = (", "cannot be loaded (c.py, line 4): SyntaxError:"),
        ("c.py", "x = 1\ntrain.max_iter = undefined_name", "(c.py, line 5): NameError: name"),
        ("c.py", "del optimizer", "defines no optimizer: a LazyConfig for"),
    ],
)
def test_config_files_that_cannot_load_say_where(tmp_path, name, text, expected):
    path = write_config(tmp_path, text, name)
    message = one_line(ConfigError, lambda: load_lazy_config(path))
    assert expected in message.replace(str(tmp_path) + "/", "")


def test_missing_file_and_norm_errors_of_the_config_code(tmp_path):
    message = one_line(ConfigError, lambda: load_lazy_config(str(tmp_path / "none.py")))
    assert message == f"--config-file {tmp_path / 'none.py'} does not exist"
    path = write_config(tmp_path, "from gn_det.modeling import with_norm\n"
                        "model = with_norm(model, type='GX')")  # fmt: skip
    assert "model.norm.type='GX' is not a norm kind" in one_line(
        NormConfigError, lambda: load_lazy_config(path)
    )


def test_eval_only_needs_fewer_nodes(tmp_path):
    path = write_config(tmp_path, "del optimizer, lr_multiplier")
    assert load_lazy_config(path, eval_only=True).model._target_ is GNDetRCNN
    path = write_config(tmp_path, "del dataloader.evaluator")
    message = one_line(ConfigError, lambda: load_lazy_config(path, eval_only=True))
    assert "defines no dataloader.evaluator" in message
    assert load_lazy_config(path).train.seed == 42  # training needs dataloader.train only


def test_the_norm_flag_on_a_stock_config_says_how_to_add_it():
    zoo = get_config_file("new_baselines/mask_rcnn_R_50_FPN_100ep_LSJ.py")
    message = one_line(ConfigError, lambda: load_lazy_config(zoo, ["model.norm.type=GN"]))
    assert message.startswith("override model.norm.type: this config's model has no norm field")
    assert "gn_det.modeling.lazy.with_norm(model, ...)" in message


def test_messages_of_shared_checks_use_lazy_names():
    text = "MODEL.WEIGHTS x.pkl: set MODEL.BACKBONE.ALLOW_MISSING_WEIGHTS True or MODEL.NORM.TYPE"
    assert in_lazy_terms(text) == (
        "train.init_checkpoint x.pkl: set train.allow_missing_backbone_weights True or "
        "model.norm.type"
    )
    with pytest.raises(ConfigError, match="^train.output_dir is bad$"):
        with lazy_terms():
            raise ConfigError("OUTPUT_DIR is bad")


def test_accepted_arguments_follow_configurable_subclasses():
    accepted = accepted_arguments(GNDetRCNN)
    assert {"norm", "speed", "backbone", "roi_heads", "pixel_std"} <= accepted
    assert accepted_arguments("detectron2.modeling.backbone.ResNet.make_default_stages") is None
    assert "seed" in accepted_arguments("detectron2.data.samplers.TrainingSampler")
