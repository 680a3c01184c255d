"""Bad images in the data path: a BadImage from the mapper, one ImageError where batches are
consumed, naming the file, its dataset and the command that checks it."""

import functools
import operator
import pickle
import uuid
from pathlib import Path

import pytest
import torch.utils.data as torchdata
from detectron2.data import DatasetCatalog, DatasetMapper
from detectron2.data.samplers import TrainingSampler

from gn_det.data import register_coco_format
from gn_det.data.image_guard import (
    BadImage,
    GuardedLoader,
    GuardedMapper,
    ImageError,
    raise_bad_images,
)
from gn_det.data.resumable_loader import ResumableTrainLoader

from ..coco.coco_sample import write_dataset
from ..conftest import tiny_cfg


@pytest.fixture
def registered(tmp_path):
    name = f"guard_{uuid.uuid4().hex[:6]}"
    json_file, image_root = write_dataset(tmp_path)
    register_coco_format(name, json_file, image_root)
    return name, json_file, image_root


def mapper(name):
    return GuardedMapper(DatasetMapper(tiny_cfg(), is_train=True), [name])


def test_good_images_pass_unchanged(registered):
    name = registered[0]
    mapped = mapper(name)(DatasetCatalog.get(name)[0])
    assert mapped["image"].shape[0] == 3 and "instances" in mapped


@pytest.mark.parametrize(
    "damage,why",
    [
        (lambda p: p.write_bytes(b""), "cannot be read as an image (an empty file)"),
        (lambda p: p.write_text("text"), "cannot be read as an image (not an image format"),
        (lambda p: p.unlink(), "cannot be read as an image (no such file)"),
        (lambda p: p.write_bytes(p.read_bytes()[:60]), "cannot be read as an image ("),
    ],
)
def test_an_image_that_cannot_be_read_is_a_bad_image(registered, damage, why):
    name, json_file, image_root = registered
    record = DatasetCatalog.get(name)[1]
    damage(Path(record["file_name"]))
    bad = mapper(name)(record)
    assert isinstance(bad, BadImage)
    assert bad.message.startswith(f"image {record['file_name']} of dataset '{name}' {why}")
    assert bad.message.endswith(
        f"Check the whole dataset: python tools/check_dataset.py --json {json_file} "
        f"--images {image_root}"
    )
    assert pickle.loads(pickle.dumps(bad)) == bad  # crosses data-loader worker processes


def test_a_size_other_than_the_json_is_a_bad_image(registered):
    name = registered[0]
    record = dict(DatasetCatalog.get(name)[1], width=40)
    bad = mapper(name)(record)
    assert "b.png of dataset" in bad.message and "is 32x24 but the JSON says 40x24" in bad.message


def test_an_image_of_no_known_dataset_names_the_datasets(registered, tmp_path):
    name = registered[0]
    record = dict(DatasetCatalog.get(name)[0], file_name=str(tmp_path / "elsewhere.png"))
    bad = mapper(name)(record)
    assert bad.message.startswith(f"image {tmp_path}/elsewhere.png (of {name}) cannot be read")


def test_the_consumer_raises_at_the_first_bad_image():
    batches = [[{"a": 1}], [{"b": 2}, BadImage("image x.png is broken")], [{"c": 3}]]
    seen = []
    with pytest.raises(ImageError, match="^image x.png is broken$"):
        for batch in raise_bad_images(batches):
            seen.append(batch)
    assert seen == [[{"a": 1}]]
    loader = GuardedLoader(batches)
    assert len(loader) == 3
    with pytest.raises(ImageError):
        list(loader)


def _bad_at_two(d):
    return BadImage("image 2.png is broken") if d["index"] == 2 else d


def _guarded_loader():
    items = [[{"index": i}] for i in range(2)] + [[BadImage("image 2.png is broken")]]
    return GuardedLoader(
        torchdata.DataLoader(items, num_workers=1, collate_fn=operator.itemgetter(0))
    )


def _resumable_loader():
    dicts = [{"index": i, "width": 8, "height": 8} for i in range(4)]
    return ResumableTrainLoader(functools.partial(TrainingSampler, 4), dicts, _bad_at_two,
                                batch_size=1, num_workers=1, grouping=False, seed=0)  # fmt: skip


@pytest.mark.parametrize("make_loader", [_guarded_loader, _resumable_loader])
def test_workers_are_not_shut_down_by_the_raise(make_loader):
    # A shutdown mid-raise, in a multi-process CPU run, can meet a worker aborting at exit
    # (forked from a gloo process) and print a traceback beside the one error line.
    loader = make_loader()
    with pytest.raises(ImageError, match="^image 2.png is broken$"):
        for _ in loader:
            pass
    assert isinstance(loader.batches, torchdata.dataloader._MultiProcessingDataLoaderIter)
    assert not loader.batches._shutdown and loader.batches._workers[0].is_alive()
    loader.batches._shutdown_workers()
