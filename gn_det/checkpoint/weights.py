"""Fail fast on a ``MODEL.WEIGHTS`` that cannot be read: a missing file, or a download offline.

detectron2 resolves ``detectron2://`` and ``catalog://`` names to URLs and downloads them on
first use into iopath's cache; without network access that fails deep inside the run, or
waits on the connection. ``check_weights`` resolves the name the same way and allows a
download only when the file is not cached yet and ``GN_DET_ALLOW_DOWNLOAD`` permits it: ``1``
always, ``0`` never, unset when the host answers within a few seconds.
"""

import os
import socket
from urllib.parse import urlparse

from detectron2.checkpoint.catalog import ModelCatalog
from detectron2.utils.file_io import Detectron2Handler
from iopath.common.file_io import get_cache_dir

from ..config import ConfigError
from .safe_load import CheckpointError, check_checkpoint_file

REMOTE_PREFIXES = ("http://", "https://", "catalog://", "detectron2://")
ALLOW_DOWNLOAD_ENV = "GN_DET_ALLOW_DOWNLOAD"
PROBE_TIMEOUT_S = 3.0


def weights_url(weights):
    """The URL that detectron2 downloads for a remote ``MODEL.WEIGHTS`` name."""
    if weights.startswith("detectron2://"):
        return Detectron2Handler.S3_DETECTRON2_PREFIX + weights[len("detectron2://") :]
    if weights.startswith("catalog://"):
        try:
            return ModelCatalog.get(weights[len("catalog://") :])
        except (RuntimeError, KeyError):
            raise ConfigError(
                f"MODEL.WEIGHTS {weights} is not in detectron2's model catalog "
                "(catalog://ImageNetPretrained/... or catalog://Caffe2Detectron/COCO/...)"
            ) from None
    return weights


def cached_path(url):
    """Where iopath's HTTP handler caches ``url`` (the file it reads instead of downloading)."""
    parsed = urlparse(url)
    folder = os.path.join(get_cache_dir(), os.path.dirname(parsed.path.lstrip("/")))
    return os.path.join(folder, url.split("/")[-1])


def host_reachable(url, timeout=PROBE_TIMEOUT_S):
    """Whether a TCP connection to the host of ``url`` opens within ``timeout`` seconds."""
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def download_refusal(url):
    """Why ``url`` may not be downloaded now, or None if it may."""
    allow = os.environ.get(ALLOW_DOWNLOAD_ENV, "")
    if allow == "1":
        return None
    if allow == "0":
        return f"{ALLOW_DOWNLOAD_ENV}=0 forbids downloads"
    if host_reachable(url):
        return None
    return f"{urlparse(url).hostname} cannot be reached from this machine (offline?)"


def check_weights(weights):
    """Raise ConfigError unless ``weights`` is empty, a readable local file, a cached URL, or
    a URL that may be downloaded now (see the module docstring)."""
    if not weights:
        return
    if not weights.startswith(REMOTE_PREFIXES):
        if not os.path.exists(weights):
            raise ConfigError(f"MODEL.WEIGHTS {weights} does not exist")
        try:
            check_checkpoint_file(weights)
        except CheckpointError as e:
            raise ConfigError(f"MODEL.WEIGHTS {e}") from None
        return
    url = weights_url(weights)
    cached = cached_path(url)
    if os.path.isfile(cached):
        return
    reason = download_refusal(url)
    if reason:
        raise ConfigError(
            f"MODEL.WEIGHTS {weights} must be downloaded from {url}, but {reason}. "
            f"Download it on a connected machine, copy it here and pass its path "
            f"(MODEL.WEIGHTS /path/to/{url.split('/')[-1]}), or put it at {cached}; "
            f"{ALLOW_DOWNLOAD_ENV}=1 lets detectron2 try the download."
        )
