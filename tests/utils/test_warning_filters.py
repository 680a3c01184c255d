"""Each known third-party warning is hidden by name, and everything shows when asked for."""

import logging
import re
import warnings

import pytest

from gn_det.utils import warning_filters
from gn_det.utils.warning_filters import (
    KNOWN_WARNINGS,
    SHOW_ALL_ENV,
    ignore_known_warnings,
    known_warnings_ignored,
)


def sample(known):
    """A message the filter is meant for: the pattern's literal text plus a tail."""
    return re.sub(r"\\(.)", r"\1", known.message) + " (and the rest of the message)"


def shown(known, capture):
    """Whether ``known``'s message gets through ignore_known_warnings, as a warning or as a
    log record (the warning filters are restored afterwards, log filters by ``quiet``)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ignore_known_warnings()
        if not known.logger:
            warnings.warn(sample(known), known.category, stacklevel=1)
            return bool(caught)
    logger = logging.getLogger(known.logger)
    with capture.at_level(logging.WARNING, logger=known.logger):
        capture.clear()
        logger.warning(sample(known))
        return bool(capture.records)


@pytest.fixture
def quiet(monkeypatch):
    monkeypatch.delenv(SHOW_ALL_ENV, raising=False)
    monkeypatch.setattr(warning_filters.sys, "warnoptions", [])
    yield
    for known in KNOWN_WARNINGS:
        if known.logger:
            logger = logging.getLogger(known.logger)
            for f in [f for f in logger.filters if getattr(f, "known", None) == known]:
                logger.removeFilter(f)


def test_names_are_unique_and_each_says_why():
    assert len({k.name for k in KNOWN_WARNINGS}) == len(KNOWN_WARNINGS) >= 6
    assert all(len(k.why) > 20 for k in KNOWN_WARNINGS)


@pytest.mark.parametrize("known", KNOWN_WARNINGS, ids=lambda k: k.name)
def test_each_known_warning_is_hidden(quiet, caplog, known):
    assert not shown(known, caplog)


@pytest.mark.parametrize("known", KNOWN_WARNINGS, ids=lambda k: k.name)
def test_everything_shows_when_asked_for(quiet, caplog, monkeypatch, known):
    monkeypatch.setenv(SHOW_ALL_ENV, "1")
    assert shown(known, caplog)


def test_python_w_flag_shows_everything(quiet, monkeypatch):
    monkeypatch.setattr(warning_filters.sys, "warnoptions", ["default"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ignore_known_warnings()
        warnings.warn("`torch.jit.script` is deprecated.", FutureWarning, stacklevel=1)
    assert caught


def test_other_warnings_still_show(quiet):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ignore_known_warnings()
        warnings.warn("torch.jit.script is fine, this is not", FutureWarning, stacklevel=1)
        warnings.warn("The given NumPy array is not writable", FutureWarning, stacklevel=1)
    assert len(caught) == 2


def test_the_import_scope_restores_the_filters(quiet):
    before = list(warnings.filters)
    with known_warnings_ignored():
        assert warnings.filters != before
    assert warnings.filters == before
