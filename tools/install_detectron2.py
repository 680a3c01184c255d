#!/usr/bin/env python
"""Install detectron2 v0.6 from the registry sdist without compiling anything.

The sdist ``pb1-detectron2==0.6`` holds detectron2's Python sources but not its
C++/CUDA sources, so its own build fails (its setup.py is never run here). This
script downloads it from pip's index (sha256 pinned), repackages the Python
sources as a pure-Python wheel with a few compatibility edits for current
Pillow/NumPy/PyTorch, adds gn_det's pure-Python stand-in for ``detectron2._C``
and installs the wheel with pip, so ``pip show pb1-detectron2`` lists it and
``pip uninstall`` removes it.

A full detectron2 build (one with a compiled ``detectron2._C``) is left alone.
Standard library only: it runs before gn_det's dependencies exist.
"""

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

SDIST_FILE = "pb1-detectron2-0.6.tar.gz"
SDIST_SHA256 = "5d2e9e51e523ec72f6a31cca04b0a515492e9514b773a3d134cedc0677170b29"
DISTRIBUTION = "pb1-detectron2"
C_STANDIN = Path(__file__).resolve().parent.parent / "gn_det" / "compat" / "detectron2_C.py"
# The local label hashes this script and the _C stand-in: editing either reinstalls.
_DIGEST = hashlib.sha256(Path(__file__).read_bytes() + C_STANDIN.read_bytes()).hexdigest()
WHEEL_VERSION = f"0.6+gndet.{_DIGEST[:10]}"

# detectron2 v0.6's install_requires, less black==21.4b2 (breaks with current
# click; only LazyConfig.save's pretty printing uses it) and future/pydot
# (caffe2 export, gone from PyTorch 2.x). torch/torchvision are installed first.
REQUIREMENTS = [
    "Pillow>=7.1",
    "matplotlib",
    "pycocotools>=2.0.2",
    "termcolor>=1.1",
    "yacs>=0.1.8",
    "tabulate",
    "cloudpickle",
    "tqdm>4.29.0",
    "tensorboard",
    "fvcore>=0.1.5,<0.1.6",
    "iopath>=0.1.7,<0.1.10",
    "omegaconf>=2.1",
    "hydra-core>=1.1",
]

# (file, old text, new text): each old text must occur exactly once.
PATCHES = [
    # Pillow 10 removed Image.LINEAR, an alias of Image.BILINEAR (both 2).
    (
        "detectron2/data/transforms/transform.py",
        "interp=Image.LINEAR,",
        "interp=Image.BILINEAR,",
    ),
    # caffe2 is gone from PyTorch 2.x; keep TracingAdapter and TorchScript export.
    (
        "detectron2/export/__init__.py",
        "from .api import *\n",
        "try:\n    from .api import *\n"
        "except ImportError:  # caffe2 export needs PyTorch 1.x\n    pass\n",
    ),
    # Python 3.11's random.sample no longer takes a set (MapDataset's retry after a None).
    (
        "detectron2/data/common.py",
        "self._rng.sample(self._fallback_candidates, k=1)",
        "self._rng.sample(sorted(self._fallback_candidates), k=1)",
    ),
    # PyTorch 2's schedulers derive from LRScheduler, not _LRScheduler: without these the
    # LRScheduler hook would save and restore no state for them.
    (
        "detectron2/engine/hooks.py",
        "_LRScheduler):\n            return self.scheduler.state_dict()",
        "LRScheduler):\n            return self.scheduler.state_dict()",
    ),
    (
        "detectron2/engine/hooks.py",
        "_LRScheduler):\n            logger = logging.getLogger(__name__)",
        "LRScheduler):\n            logger = logging.getLogger(__name__)",
    ),
    # DDP takes device_ids only for CUDA models: CPU processes (gloo) must pass none.
    (
        "detectron2/engine/defaults.py",
        '    if "device_ids" not in kwargs:\n',
        '    if "device_ids" not in kwargs and next(model.parameters()).is_cuda:\n',
    ),
]
# NumPy 1.24 removed the aliases np.bool/np.int/np.float/np.str/np.object.
NUMPY_ALIAS = re.compile(r"\bnp\.(bool|int|float|str|object)\b")


def log(msg):
    print(f"[install_detectron2] {msg}", flush=True)


def compiled_detectron2():
    """Path of a compiled detectron2._C extension if one is importable, else None."""
    try:
        spec = importlib.util.find_spec("detectron2._C")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    return spec.origin if spec.origin.endswith((".so", ".pyd")) else None


def installed_version():
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None


def pip(*args):
    subprocess.run([sys.executable, "-m", "pip", *args], check=True)


def index_url():
    """pip's index URL (PIP_INDEX_URL, then pip's config), else PyPI."""
    url = os.environ.get("PIP_INDEX_URL")
    if not url:
        cmd = [sys.executable, "-m", "pip", "config", "get", "global.index-url"]
        got = subprocess.run(cmd, capture_output=True, text=True)
        url = got.stdout.strip() if got.returncode == 0 else ""
    return (url or "https://pypi.org/simple").rstrip("/")


def sdist_url(index):
    """URL of the sdist file, from the index's simple API (PEP 691 JSON, or PEP 503 HTML)."""
    page = f"{index}/{DISTRIBUTION}/"
    accept = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"
    with urllib.request.urlopen(urllib.request.Request(page, headers={"Accept": accept})) as r:
        body, kind = r.read().decode(), r.headers.get("Content-Type", "")
    if "json" in kind:
        urls = [f["url"] for f in json.loads(body)["files"] if f["filename"] == SDIST_FILE]
    else:
        urls = [u for u in re.findall(r'href="([^"]+)"', body) if SDIST_FILE in u]
    if not urls:
        raise SystemExit(f"error: {SDIST_FILE} is not listed on {page}")
    return urllib.parse.urljoin(page, urls[0].split("#")[0])


def download_sdist(dest: Path) -> Path:
    """Download the sdist and check its sha256; pip is not used, so none of its code runs."""
    url = sdist_url(index_url())
    path = dest / SDIST_FILE
    with urllib.request.urlopen(url) as r, open(path, "wb") as f:
        shutil.copyfileobj(r, f)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        raise SystemExit(f"error: {url} has sha256 {digest}, expected {SDIST_SHA256}")
    return path


def apply_patches(root: Path):
    for rel, old, new in PATCHES:
        path = root / rel
        text = path.read_text()
        if text.count(old) != 1:
            raise SystemExit(f"error: patch for {rel} expects exactly one {old!r}; sdist changed?")
        path.write_text(text.replace(old, new))
    fixed = 0
    for path in (root / "detectron2").rglob("*.py"):
        text = path.read_text()
        new_text, n = NUMPY_ALIAS.subn(r"\1", text)
        if n:
            path.write_text(new_text)
            fixed += n
    log(f"applied {len(PATCHES)} patches and {fixed} NumPy alias fixes")


def write_build_files(root: Path):
    (root / "setup.py").write_text(
        "from setuptools import find_packages, setup\n"
        "setup(\n"
        f"    name={DISTRIBUTION!r},\n"
        f"    version={WHEEL_VERSION!r},\n"
        "    description='detectron2 v0.6 Python sources, repackaged by gn_det without _C',\n"
        "    url='https://github.com/facebookresearch/detectron2',\n"
        "    license='Apache-2.0',\n"
        "    python_requires='>=3.8',\n"
        "    packages=find_packages(include=['detectron2', 'detectron2.*']),\n"
        "    package_data={'detectron2.model_zoo': ['configs/**/*.yaml', 'configs/**/*.py']},\n"
        f"    install_requires={REQUIREMENTS!r},\n"
        ")\n"
    )


def build_wheel(workdir: Path, dist: Path) -> Path:
    """The repackaged pure-Python wheel, built into ``dist``."""
    sdist = download_sdist(workdir)
    log(f"downloaded {sdist.name} (sha256 verified)")
    with tarfile.open(sdist) as tar:
        tar.extractall(workdir / "src", filter="data")
    (src,) = (workdir / "src").iterdir()
    build = workdir / "build"
    build.mkdir()
    shutil.copytree(src / "detectron2", build / "detectron2")
    shutil.copy(src / "LICENSE", build / "LICENSE")
    shutil.copy(C_STANDIN, build / "detectron2" / "_C.py")
    apply_patches(build)
    write_build_files(build)
    pip("wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(dist), str(build))
    return dist / f"{DISTRIBUTION.replace('-', '_')}-{WHEEL_VERSION}-py3-none-any.whl"


def build_and_install(workdir: Path):
    wheel = build_wheel(workdir, workdir / "dist")
    pip("install", "--quiet", str(wheel))
    log(f"installed {wheel.name}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="reinstall even if up to date")
    parser.add_argument(
        "--wheel-dir",
        type=Path,
        help="only build the wheel into this folder (for a machine without the index)",
    )
    args = parser.parse_args(argv)
    if args.wheel_dir:
        try:
            args.wheel_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise SystemExit(f"error: --wheel-dir {args.wheel_dir}: {e.strerror}") from None
        with tempfile.TemporaryDirectory(prefix="gn_det_d2_") as tmp:
            wheel = build_wheel(Path(tmp), args.wheel_dir.resolve())
        log(f"built {wheel}")
        return 0

    compiled = compiled_detectron2()
    if compiled:
        log(f"a full detectron2 build is installed ({compiled}); leaving it untouched")
        return 0
    current = installed_version()
    if current == WHEEL_VERSION and not args.force:
        log(f"{DISTRIBUTION} {current} already installed")
        return 0
    if importlib.util.find_spec("torch") is None:
        raise SystemExit("error: install torch first (make setup does)")
    with tempfile.TemporaryDirectory(prefix="gn_det_d2_") as tmp:
        build_and_install(Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
