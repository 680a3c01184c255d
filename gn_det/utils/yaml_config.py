"""Read a YAML config file and the ``_BASE_`` files it includes without running code, and say
in one line what is wrong with any of them.

detectron2's ``CfgNode.merge_from_file`` falls back to ``yaml.unsafe_load`` (its
``allow_unsafe`` defaults to True), so a tag such as ``!!python/object/apply:os.system`` in a
config, or in a base it includes, runs a command. Here every file is parsed by ``PlainLoader``,
which builds plain YAML values only (mappings, lists, strings, numbers, booleans, null) and
refuses any other tag, naming the file, line and tag. Bases are found as detectron2 finds
them (relative to the including file, ``~`` expanded) and merged as fvcore merges them.
"""

import os

import yaml

from .errors import GNDetError

BASE_KEY = "_BASE_"
YAML_TAG = "tag:yaml.org,2002:"
PLAIN_TAGS = tuple(YAML_TAG + t for t in ("null", "bool", "int", "float", "str", "seq", "map"))
MERGE_TAG = YAML_TAG + "merge"  # the ``<<`` key that merges an anchored mapping


class ConfigFileError(GNDetError, ValueError):
    """A config file that cannot be read, parsed or used; the message names the file."""


def _refuse_tag(loader, node):
    tag = node.tag.replace(YAML_TAG, "!!", 1)
    raise yaml.constructor.ConstructorError(
        None,
        None,
        f"the tag {tag} is not allowed: a config holds plain YAML values only (mappings, lists, "
        "strings, numbers, booleans, null), and a tag like this can run code",
        node.start_mark,
    )


class PlainLoader(yaml.SafeLoader):
    """A YAML loader that builds plain values only; any other tag is an error. Anchors,
    aliases and ``<<`` merge keys work; dates stay strings (yacs has no date type)."""

    yaml_constructors = {
        t: f for t, f in yaml.SafeLoader.yaml_constructors.items() if t in PLAIN_TAGS
    }
    yaml_multi_constructors = {}
    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag in (*PLAIN_TAGS, MERGE_TAG)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


PlainLoader.add_constructor(None, _refuse_tag)


def _described(path, included_by):
    return f"config file {path}" + (f" (a {BASE_KEY} of {included_by})" if included_by else "")


def parse_plain_yaml(text, name="<string>"):
    """Parse YAML ``text`` into plain values; ConfigFileError with line and column if it is not
    valid YAML or uses a tag other than the plain ones."""
    try:
        return yaml.load(text, Loader=PlainLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = e.problem or e.context or "not valid YAML"
        raise ConfigFileError(f"{name}{where}: {what}") from None
    except yaml.YAMLError as e:
        raise ConfigFileError(f"{name}: not valid YAML ({e})") from None


def _read_text(path, included_by):
    name = _described(path, included_by)
    if os.path.isdir(path):
        raise ConfigFileError(f"{name} is a folder, not a file")
    if not os.path.exists(path):
        raise ConfigFileError(f"{name} does not exist")
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError:
        raise ConfigFileError(f"{name} is not a UTF-8 text file (a YAML config)") from None
    except OSError as e:
        raise ConfigFileError(f"{name} cannot be read ({e.strerror})") from None


def _check_keys(mapping, name, prefix=""):
    for key, value in mapping.items():
        if not isinstance(key, str):
            where = f" under {prefix.rstrip('.')}" if prefix else ""
            raise ConfigFileError(f"{name}: key {key!r}{where} is not a name (KEY: value)")
        if isinstance(value, dict):
            _check_keys(value, name, f"{prefix}{key}.")


def _base_files(data, path, name):
    bases = data.pop(BASE_KEY, [])
    bases = [bases] if isinstance(bases, str) else bases
    if not isinstance(bases, list) or not all(isinstance(b, str) and b for b in bases):
        raise ConfigFileError(f"{name}: {BASE_KEY} must be a file name or a list of file names")
    resolved = []
    for base in bases:
        if "://" in base:
            raise ConfigFileError(
                f"{name}: {BASE_KEY} {base} is a URL; configs are not downloaded: save it and "
                "give its path"
            )
        base = os.path.expanduser(base)
        resolved.append(base if os.path.isabs(base) else os.path.join(os.path.dirname(path), base))
    return resolved


def _merge(child, base, prefix=""):
    """fvcore's merge of a config into its base: child values win, mappings merge. Returns the
    key that is a mapping in ``child`` and a value in ``base`` (no merge), or None."""
    for key, value in child.items():
        if isinstance(value, dict) and key in base:
            if not isinstance(base[key], dict):
                return f"{prefix}{key}"
            conflict = _merge(value, base[key], f"{prefix}{key}.")
            if conflict:
                return conflict
        else:
            base[key] = value
    return None


def read_yaml_config(path, _chain=()):
    """The config in ``path`` merged over its ``_BASE_`` files, as plain values.

    ConfigFileError (one line naming the file, and for a base the file that includes it) for a
    file that is missing, a folder, not text, not valid YAML (line, column), tagged with a
    non-plain tag, empty, not a mapping at the top level, or part of a ``_BASE_`` cycle.
    """
    included_by = _chain[-1] if _chain else None
    name = _described(path, included_by)
    real = [os.path.realpath(p) for p in _chain]
    if os.path.realpath(path) in real:
        cycle = " -> ".join([*_chain[real.index(os.path.realpath(path)) :], path])
        raise ConfigFileError(f"{BASE_KEY} cycle: {cycle}")
    data = parse_plain_yaml(_read_text(path, included_by), name)
    if data is None:
        raise ConfigFileError(f"{name} is empty; expected a mapping of config keys (KEY: value)")
    if not isinstance(data, dict):
        raise ConfigFileError(
            f"{name} holds a {type(data).__name__} at the top level; expected a mapping of "
            "config keys (KEY: value)"
        )
    _check_keys(data, name)
    merged = {}
    parts = [read_yaml_config(base, (*_chain, path)) for base in _base_files(data, path, name)]
    for part in [*parts, data]:
        conflict = _merge(part, merged)
        if conflict:
            raise ConfigFileError(
                f"{name}: {conflict} is a mapping in one file and a value in another "
                f"({BASE_KEY} merge)"
            )
    return merged
