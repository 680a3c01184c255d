"""Tests of gn_det.data.datasets: COCO-format registration and dataset checks."""

import json
import os
import subprocess
import sys
import textwrap
import uuid

import pytest
from detectron2.config import get_cfg
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.structures import BoxMode

from gn_det.config import add_gn_det_config
from gn_det.data import DatasetError, load_coco_format, prepare_datasets, register_coco_format
from gn_det.data.shapes import SHAPE_CLASSES, write_split


def _name(prefix="t"):
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def _cfg():
    cfg = get_cfg()
    add_gn_det_config(cfg)
    cfg.DATASETS.TRAIN = ()
    cfg.DATASETS.TEST = ()
    return cfg


@pytest.fixture(scope="module")
def coco_split(tmp_path_factory):
    """(json_file, image_root) of a 5-image shapes split."""
    root = tmp_path_factory.mktemp("shapes")
    json_file = write_split(root, "train", 5, 48, seed=2, max_objects=3)
    return str(json_file), str(root / "train")


def test_register_and_load(coco_split):
    json_file, image_root = coco_split
    name = _name()
    register_coco_format(name, json_file, image_root)
    assert name in DatasetCatalog.list()
    meta = MetadataCatalog.get(name)
    assert meta.json_file == json_file
    assert meta.image_root == image_root
    assert meta.evaluator_type == "coco"

    records = DatasetCatalog.get(name)
    coco = json.loads(open(json_file).read())
    assert len(records) == len(coco["images"]) == 5
    n_anns = sum(len(r["annotations"]) for r in records)
    assert n_anns == len(coco["annotations"]) > 0
    for r in records:
        assert os.path.isfile(r["file_name"])
        assert os.path.dirname(r["file_name"]) == image_root
        assert (r["height"], r["width"]) == (48, 48)
        assert r["annotations"], f"no annotations for {r['file_name']}"
        for ann in r["annotations"]:
            assert ann["bbox_mode"] == BoxMode.XYWH_ABS
            assert 0 <= ann["category_id"] < len(SHAPE_CLASSES)  # contiguous ids
            assert set(ann["segmentation"]) == {"size", "counts"}
    assert list(MetadataCatalog.get(name).thing_classes) == list(SHAPE_CLASSES)


def test_register_accepts_paths_and_metadata(coco_split, tmp_path):
    from pathlib import Path

    json_file, image_root = coco_split
    name = _name()
    register_coco_format(name, Path(json_file), Path(image_root), note="hello")
    meta = MetadataCatalog.get(name)
    assert meta.json_file == json_file and isinstance(meta.json_file, str)
    assert meta.image_root == image_root and isinstance(meta.image_root, str)
    assert meta.note == "hello"
    # Re-registering with str paths equal to the Path ones is the same registration.
    register_coco_format(name, json_file, image_root)
    assert len(DatasetCatalog.get(name)) == 5


def test_missing_json(coco_split, tmp_path):
    _, image_root = coco_split
    missing = str(tmp_path / "nope" / "instances.json")
    name = _name()
    register_coco_format(name, missing, image_root)  # checked when loaded, not here
    with pytest.raises(DatasetError) as e:
        DatasetCatalog.get(name)
    assert missing in str(e.value)
    assert name in str(e.value)


def test_missing_image_folder(coco_split, tmp_path):
    json_file, _ = coco_split
    missing = str(tmp_path / "no_images")
    name = _name()
    register_coco_format(name, json_file, missing)
    with pytest.raises(DatasetError) as e:
        DatasetCatalog.get(name)
    assert missing in str(e.value)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(json.dumps([{"images": []}]), id="list"),
        pytest.param(json.dumps({}), id="empty-dict"),
        pytest.param(json.dumps({"annotations": []}), id="no-images-no-categories"),
        pytest.param(
            json.dumps({"annotations": [], "categories": [{"id": 1, "name": "a"}]}),
            id="no-images",
        ),
        pytest.param(
            json.dumps({"images": [], "annotations": [], "categories": 3}),
            id="categories-not-a-list",
        ),
        pytest.param('{"images": [', id="invalid-json"),
        pytest.param(b"\xff\xfe\x00garbage", id="not-utf8"),
    ],
)
def test_not_coco_json(content, tmp_path):
    json_file = tmp_path / "bad.json"
    if isinstance(content, bytes):
        json_file.write_bytes(content)
    else:
        json_file.write_text(content)
    (tmp_path / "images").mkdir()
    name = _name()
    register_coco_format(name, json_file, tmp_path / "images")
    try:
        records = DatasetCatalog.get(name)
    except DatasetError as e:
        assert str(json_file) in str(e)
    else:
        pytest.fail(f"{content!r} is not a COCO instances file but loaded as {records!r}")
    # load_coco_format gives the same error when called directly.
    with pytest.raises(DatasetError, match="bad.json"):
        load_coco_format(_name(), str(json_file), str(tmp_path / "images"))


def test_dataset_error_is_value_error():
    assert issubclass(DatasetError, ValueError)


def test_reregister_same_files_is_noop(coco_split):
    json_file, image_root = coco_split
    name = _name()
    register_coco_format(name, json_file, image_root)
    register_coco_format(name, json_file, image_root)
    assert DatasetCatalog.list().count(name) == 1
    assert len(DatasetCatalog.get(name)) == 5


def test_reregister_other_files_raises(coco_split, tmp_path):
    json_file, image_root = coco_split
    name = _name()
    register_coco_format(name, json_file, image_root)
    other = str(tmp_path / "other.json")
    with pytest.raises(DatasetError) as e:
        register_coco_format(name, other, image_root)
    assert name in str(e.value) and other in str(e.value)
    with pytest.raises(DatasetError):
        register_coco_format(name, json_file, str(tmp_path))
    # The original registration is kept.
    assert MetadataCatalog.get(name).json_file == json_file
    assert len(DatasetCatalog.get(name)) == 5


def test_prepare_datasets_registers(coco_split):
    json_file, image_root = coco_split
    train, test = _name("train"), _name("test")
    cfg = _cfg()
    cfg.DATASETS.REGISTER_COCO = [[train, json_file, image_root], [test, json_file, image_root]]
    cfg.DATASETS.TRAIN = (train,)
    cfg.DATASETS.TEST = (test,)
    prepare_datasets(cfg)
    assert train in DatasetCatalog.list() and test in DatasetCatalog.list()
    assert MetadataCatalog.get(train).json_file == json_file
    assert len(DatasetCatalog.get(test)) == 5
    prepare_datasets(cfg)  # a second call is a no-op


def test_prepare_datasets_unregistered_name(coco_split):
    json_file, image_root = coco_split
    name = _name("mine")
    cfg = _cfg()
    cfg.DATASETS.REGISTER_COCO = [[name, json_file, image_root]]
    missing = name + "_typo"
    cfg.DATASETS.TRAIN = (missing,)
    with pytest.raises(DatasetError) as e:
        prepare_datasets(cfg)
    msg = str(e.value)
    assert repr(missing) in msg
    assert "not registered" in msg
    assert name in msg  # suggested as a close name
    assert "REGISTER_COCO" in msg


def test_prepare_datasets_unregistered_test_name():
    cfg = _cfg()
    missing = _name("never_registered")
    cfg.DATASETS.TEST = (missing,)
    with pytest.raises(DatasetError, match=missing):
        prepare_datasets(cfg)


@pytest.mark.parametrize(
    "entry",
    [["only_name", "x.json"], ["a", "b.json", "c", "d"], ["one_element"]],
    ids=["two", "four", "one"],
)
def test_prepare_datasets_entry_not_a_triple(entry):
    cfg = _cfg()
    cfg.DATASETS.REGISTER_COCO = [entry]
    with pytest.raises(DatasetError, match="REGISTER_COCO"):
        prepare_datasets(cfg)
    assert entry[0] not in DatasetCatalog.list()


def test_prepare_datasets_flat_list_is_not_triples(coco_split):
    json_file, image_root = coco_split
    cfg = _cfg()
    # A common mistake: a flat [name, json, root] instead of a list of triples.
    cfg.DATASETS.REGISTER_COCO = [_name("flat"), json_file, image_root]
    with pytest.raises(DatasetError):
        prepare_datasets(cfg)


def test_prepare_datasets_missing_files(tmp_path, coco_split):
    _, image_root = coco_split
    name = _name()
    missing = str(tmp_path / "missing.json")
    cfg = _cfg()
    cfg.DATASETS.REGISTER_COCO = [[name, missing, image_root]]
    cfg.DATASETS.TRAIN = (name,)
    with pytest.raises(DatasetError) as e:
        prepare_datasets(cfg)
    assert missing in str(e.value)


COCO_SCRIPT = textwrap.dedent(
    """
    import os, sys
    from detectron2.config import get_cfg
    from detectron2.data import MetadataCatalog
    from gn_det.config import add_gn_det_config
    from gn_det.data import DatasetError, prepare_datasets

    root = os.environ["DETECTRON2_DATASETS"]
    meta = MetadataCatalog.get("coco_2017_val")
    assert meta.json_file.startswith(root), meta.json_file
    assert meta.image_root.startswith(root), meta.image_root
    assert meta.json_file == os.path.join(root, "coco/annotations/instances_val2017.json")
    assert MetadataCatalog.get("coco_2017_train").json_file.startswith(root)
    assert MetadataCatalog.get("shapes_train").json_file.startswith(root)
    cfg = get_cfg()
    add_gn_det_config(cfg)
    cfg.DATASETS.TRAIN = ()
    cfg.DATASETS.TEST = ("coco_2017_val",)
    try:
        prepare_datasets(cfg)
    except DatasetError as e:
        msg = str(e)
        assert meta.json_file in msg, msg
        assert "coco_2017_val" in msg, msg
        print("OK", meta.json_file)
        sys.exit(0)
    sys.exit("prepare_datasets did not raise DatasetError")
    """
)


def test_coco_2017_under_detectron2_datasets(tmp_path):
    env = dict(os.environ, DETECTRON2_DATASETS=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-c", COCO_SCRIPT],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith(f"OK {tmp_path}"), proc.stdout
    # Nothing was generated or downloaded under the datasets folder.
    assert list(tmp_path.iterdir()) == []
