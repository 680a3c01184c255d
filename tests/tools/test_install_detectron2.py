"""Tests of tools/install_detectron2.py (loaded by path; it is standard-library only)."""

import importlib.metadata
import importlib.util
import io
import re
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "install_detectron2.py"


@pytest.fixture(scope="module")
def inst():
    spec = importlib.util.spec_from_file_location("gn_det_install_detectron2", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ALIAS_LINES = {
    "x = np.zeros(3, dtype=np.bool)\n": "x = np.zeros(3, dtype=bool)\n",
    "y = a.astype(np.int)\n": "y = a.astype(int)\n",
    "z = np.asarray(b, dtype=np.float)\n": "z = np.asarray(b, dtype=float)\n",
    "s = np.array(c, dtype=np.str)\n": "s = np.array(c, dtype=str)\n",
    "o = np.empty(2, dtype=np.object)\n": "o = np.empty(2, dtype=object)\n",
    "if isinstance(v, (np.int, np.float)):\n": "if isinstance(v, (int, float)):\n",
}
UNCHANGED_LINES = [
    "a = np.zeros(3, dtype=np.bool_)\n",
    "b = a.astype(np.int64)\n",
    "c = a.astype(np.float32)\n",
    "d = isinstance(v, np.integer)\n",
    "e = np.floating\n",
    "f = np.object_\n",
    "g = np.str_\n",
    "h = np.intp\n",
    "i = np.float64(1.5)\n",
    "j = notnp.int(3)\n",
    "k = np.bool8\n",
]


def _fake_tree(root, inst):
    """A tree holding each patch's old text once, plus NumPy alias and look-alike lines."""
    files = {}
    for rel, old, _new in inst.PATCHES:
        files[rel] = files.get(rel, "# header\n") + old + "\n# after\n"
    body = "".join(ALIAS_LINES) + "".join(UNCHANGED_LINES)
    files["detectron2/utils/numpy_users.py"] = "import numpy as np\n" + body
    files["detectron2/deep/nested/mod.py"] = "import numpy as np\n" + body
    files["detectron2/notes.txt"] = body  # not a .py file: left alone
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return files


def test_apply_patches_on_fake_tree(inst, tmp_path, capsys):
    files = _fake_tree(tmp_path, inst)
    inst.apply_patches(tmp_path)

    for rel, old, new in inst.PATCHES:
        text = (tmp_path / rel).read_text()
        assert new in text, rel
        if old not in new:
            assert old not in text, rel
        assert text.startswith("# header\n") and text.endswith("# after\n")
    assert (
        "interp=Image.BILINEAR,"
        in (tmp_path / "detectron2/data/transforms/transform.py").read_text()
    )
    export = (tmp_path / "detectron2/export/__init__.py").read_text()
    assert "try:\n    from .api import *\nexcept ImportError" in export
    compile(export, "export/__init__.py", "exec")  # still valid Python

    expected = "import numpy as np\n" + "".join(ALIAS_LINES.values()) + "".join(UNCHANGED_LINES)
    for rel in ("detectron2/utils/numpy_users.py", "detectron2/deep/nested/mod.py"):
        assert (tmp_path / rel).read_text() == expected
    assert (tmp_path / "detectron2/notes.txt").read_text() == files["detectron2/notes.txt"]
    # Each of the two .py files had 7 aliases (one line has two).
    assert f"{len(inst.PATCHES)} patches and 14 NumPy alias fixes" in capsys.readouterr().out


def test_numpy_alias_regex(inst):
    for line, fixed in ALIAS_LINES.items():
        assert inst.NUMPY_ALIAS.sub(r"\1", line) == fixed
    for line in UNCHANGED_LINES:
        assert inst.NUMPY_ALIAS.sub(r"\1", line) == line, line


def test_apply_patches_refuses_patched_tree(inst, tmp_path):
    _fake_tree(tmp_path, inst)
    inst.apply_patches(tmp_path)
    # The patched tree has no old texts left, so a second run must refuse, not corrupt it.
    with pytest.raises(SystemExit):
        inst.apply_patches(tmp_path)


@pytest.mark.parametrize("missing", [0, 1], ids=["first-patch", "second-patch"])
def test_apply_patches_missing_old_text(inst, tmp_path, missing):
    _fake_tree(tmp_path, inst)
    rel, old, _new = inst.PATCHES[missing]
    path = tmp_path / rel
    path.write_text(path.read_text().replace(old, "# something else\n"))
    with pytest.raises(SystemExit) as e:
        inst.apply_patches(tmp_path)
    assert rel in str(e.value.code)


def test_apply_patches_old_text_twice(inst, tmp_path):
    _fake_tree(tmp_path, inst)
    rel, old, _new = inst.PATCHES[0]
    path = tmp_path / rel
    path.write_text(path.read_text() + old)
    with pytest.raises(SystemExit, match="exactly one"):
        inst.apply_patches(tmp_path)


def test_apply_patches_missing_file(inst, tmp_path):
    _fake_tree(tmp_path, inst)
    (tmp_path / inst.PATCHES[-1][0]).unlink()
    with pytest.raises((SystemExit, FileNotFoundError)):
        inst.apply_patches(tmp_path)


def test_wheel_version(inst):
    assert inst.WHEEL_VERSION.startswith("0.6+gndet.")
    assert re.fullmatch(r"0\.6\+gndet\.[0-9a-f]{10}", inst.WHEEL_VERSION)
    assert inst.DISTRIBUTION == "pb1-detectron2"
    assert inst.SDIST_FILE == "pb1-detectron2-0.6.tar.gz"
    assert inst.C_STANDIN.is_file()
    assert inst.C_STANDIN == SCRIPT.parent.parent / "gn_det" / "compat" / "detectron2_C.py"


def test_compiled_detectron2_is_none_here(inst):
    assert inst.compiled_detectron2() is None


def test_write_build_files(inst, tmp_path):
    inst.write_build_files(tmp_path)
    setup_py = (tmp_path / "setup.py").read_text()
    compile(setup_py, "setup.py", "exec")
    assert repr(inst.WHEEL_VERSION) in setup_py
    assert "name='pb1-detectron2'" in setup_py
    assert "configs/**/*.yaml" in setup_py


def test_main_when_up_to_date_does_not_download(inst, monkeypatch, capsys):
    installed = importlib.metadata.version("pb1-detectron2")
    if installed != inst.WHEEL_VERSION:
        pytest.fail(
            f"installed pb1-detectron2 {installed} is not this script's {inst.WHEEL_VERSION}: "
            "the detectron2 install is stale (tools/install_detectron2.py or "
            "gn_det/compat/detectron2_C.py changed since); rerun tools/install_detectron2.py"
        )

    def forbidden(*args, **kwargs):
        raise AssertionError("main() tried to download or install while up to date")

    monkeypatch.setattr(inst, "build_and_install", forbidden)
    monkeypatch.setattr(inst, "download_sdist", forbidden)
    monkeypatch.setattr(inst, "pip", forbidden)
    assert inst.main([]) == 0
    assert "already installed" in capsys.readouterr().out


def _forbid_install(inst, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("main() tried to download or install")

    for name in ("build_and_install", "download_sdist", "pip"):
        monkeypatch.setattr(inst, name, forbidden)


def test_main_logic_up_to_date(inst, monkeypatch, capsys):
    """main()'s decision with the installed version faked equal to WHEEL_VERSION."""
    _forbid_install(inst, monkeypatch)
    monkeypatch.setattr(inst, "compiled_detectron2", lambda: None)
    monkeypatch.setattr(inst, "installed_version", lambda: inst.WHEEL_VERSION)
    assert inst.main([]) == 0
    assert "already installed" in capsys.readouterr().out


def test_main_logic_compiled_build_left_alone(inst, monkeypatch, capsys):
    _forbid_install(inst, monkeypatch)
    monkeypatch.setattr(inst, "compiled_detectron2", lambda: "/x/detectron2/_C.so")
    monkeypatch.setattr(inst, "installed_version", lambda: "0.6")
    assert inst.main(["--force"]) == 0
    assert "leaving it untouched" in capsys.readouterr().out


@pytest.mark.parametrize(
    "installed,argv",
    [("0.6+gndet.0000000000", []), (None, []), ("0.6+gndet.same", ["--force"])],
    ids=["stale", "absent", "force"],
)
def test_main_logic_installs(inst, monkeypatch, installed, argv):
    calls = []
    monkeypatch.setattr(inst, "compiled_detectron2", lambda: None)
    if installed == "0.6+gndet.same":
        installed = inst.WHEEL_VERSION
    monkeypatch.setattr(inst, "installed_version", lambda: installed)
    monkeypatch.setattr(inst, "build_and_install", lambda workdir: calls.append(workdir))
    assert inst.main(argv) == 0
    assert len(calls) == 1 and isinstance(calls[0], Path)
    assert not calls[0].exists()  # the temporary work folder is removed afterwards


class _Response(io.BytesIO):
    def __init__(self, body, content_type):
        super().__init__(body.encode())
        self.headers = {"Content-Type": content_type}


@pytest.mark.parametrize(
    "body,content_type",
    [
        (
            '{"files": [{"filename": "pb1-detectron2-0.6.tar.gz", '
            '"url": "https://files.example/pb1-detectron2-0.6.tar.gz"}]}',
            "application/vnd.pypi.simple.v1+json",
        ),
        (
            '<a href="https://files.example/pb1-detectron2-0.6.tar.gz#sha256=ab">x</a>',
            "text/html",
        ),
    ],
)
def test_sdist_url_from_simple_api(inst, monkeypatch, body, content_type):
    monkeypatch.setattr(inst.urllib.request, "urlopen", lambda req: _Response(body, content_type))
    url = inst.sdist_url("https://index.example/simple")
    assert url == "https://files.example/pb1-detectron2-0.6.tar.gz"


def test_sdist_not_listed(inst, monkeypatch):
    monkeypatch.setattr(
        inst.urllib.request, "urlopen", lambda req: _Response("<a></a>", "text/html")
    )
    with pytest.raises(SystemExit, match="not listed"):
        inst.sdist_url("https://index.example/simple")


def test_download_rejects_wrong_sha256(inst, monkeypatch, tmp_path):
    fake = tmp_path / "served.tar.gz"
    fake.write_bytes(b"not the sdist")
    monkeypatch.setattr(inst, "index_url", lambda: "https://index.example/simple")
    monkeypatch.setattr(inst, "sdist_url", lambda index: fake.as_uri())
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(SystemExit, match="expected " + inst.SDIST_SHA256):
        inst.download_sdist(dest)


def test_wheel_dir_builds_the_wheel_without_installing(inst, tmp_path, monkeypatch):
    """--wheel-dir: the repackaged wheel for a machine without the index (run_gpu.sh pack)."""
    import tarfile
    import zipfile

    tree = tmp_path / "pb1-detectron2-0.6"
    _fake_tree(tree, inst)
    for package in [tree / "detectron2", *(tree / "detectron2").rglob("*")]:
        if package.is_dir():
            (package / "__init__.py").touch()
    (tree / "LICENSE").write_text("Apache-2.0\n")
    sdist = tmp_path / inst.SDIST_FILE
    with tarfile.open(sdist, "w:gz") as tar:
        tar.add(tree, arcname=tree.name)

    def installed(*args, **kwargs):
        raise AssertionError("--wheel-dir installed something")

    monkeypatch.setattr(inst, "download_sdist", lambda dest: sdist)
    monkeypatch.setattr(inst, "build_and_install", installed)
    assert inst.main(["--wheel-dir", str(tmp_path / "wheels")]) == 0
    (wheel,) = (tmp_path / "wheels").glob("*.whl")
    assert wheel.name == f"pb1_detectron2-{inst.WHEEL_VERSION}-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    assert "detectron2/_C.py" in names  # the stand-in
    patched = zipfile.ZipFile(wheel).read(inst.PATCHES[0][0]).decode()
    assert inst.PATCHES[0][2] in patched


def test_wheel_dir_that_cannot_be_made_is_one_error_line(inst, tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(SystemExit) as e:
        inst.main(["--wheel-dir", str(tmp_path / "file" / "wheels")])
    assert str(e.value.code).startswith(f"error: --wheel-dir {tmp_path / 'file' / 'wheels'}: ")
