"""Saving and loading pytrees of arrays: ``fg.save(path, tree)`` and ``fg.load(path)``.

The file is safetensors (https://github.com/huggingface/safetensors): one tensor per leaf,
named by the leaf's path in the tree (``layers.0.w``: dict keys, list and tuple indices,
namedtuple fields, joined by dots), and the tree's structure as JSON in the metadata under
``funcgrad.tree``. So the file opens in PyTorch (``safetensors.torch.load_file``) and every
other tool that reads safetensors, and loading it never runs code: unlike a pickle, it holds
only arrays, names and JSON.

Containers: dict (keys str, int or bool, order kept), list, tuple, namedtuple and ``None``.
Leaves: NumPy arrays of bool, integer and float dtypes (0-d included), NumPy scalars and
Python ``bool``/``int``/``float``, each loaded back as the same kind. A namedtuple loads as its
own class when a module already imported defines it (it is looked up, never imported);
otherwise as a new namedtuple with the same name and fields.

>>> import os, tempfile, numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "params.safetensors")
>>> save(path, {"layers": [{"w": np.ones((2, 3)), "b": np.zeros(3)}], "step": 7})
>>> tree = load(path)
>>> tree["layers"][0]["w"].shape, tree["step"]
((2, 3), 7)
"""
import collections
import json
import os
import sys
import tempfile

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save_file

from .errors import user_frame
from .tree import tree_leaves

META_KEY = "funcgrad.tree"
_SCALARS = {"bool": bool, "int": int, "float": float}


def save(path, tree):
    """Write ``tree`` to the safetensors file ``path`` (replaced whole, never half-written).

    >>> import os, tempfile, numpy as np
    >>> save(os.path.join(tempfile.mkdtemp(), "w.safetensors"), [np.eye(2), None])
    """
    path = os.fspath(path)
    tensors = {}
    structure = _encode(tree, (), tensors)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".safetensors")
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={META_KEY: json.dumps(structure)})
        os.replace(tmp, path)
    except BaseException:
        os.remove(tmp)
        raise


def load(path):
    """The tree that ``save`` wrote to ``path``. A file that is truncated, not safetensors,
    or not written by ``save`` raises ``ValueError`` naming it; no partial tree is returned.

    >>> import os, tempfile, numpy as np
    >>> p = os.path.join(tempfile.mkdtemp(), "t.safetensors")
    >>> save(p, (np.float32(1.5), [True, None]))
    >>> load(p)
    (np.float32(1.5), [True, None])
    """
    path = os.fspath(path)
    try:
        with safe_open(path, framework="np") as f:
            raw = (f.metadata() or {}).get(META_KEY)
            if raw is None:
                raise ValueError(f"fg.load: {path} is a safetensors file, but not one written "
                                 f"by fg.save: its metadata has no {META_KEY!r} entry. Read "
                                 "its tensors with safetensors.numpy.load_file(path).")
            tensors = {name: f.get_tensor(name) for name in f.keys()}
    except SafetensorError as err:
        raise ValueError(f"fg.load: {path} is not a readable safetensors file ({err}): it is "
                         "truncated, damaged or of another format.") from None
    try:
        structure = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ValueError(f"fg.load: the tree structure in {path}'s metadata is not valid "
                         f"JSON ({err}).") from None
    used = set()
    try:
        tree = _decode(structure, tensors, used, path)
    except (KeyError, TypeError, AttributeError) as err:  # a node missing or of a wrong type
        raise ValueError(f"fg.load: the tree structure in {path} is damaged "
                         f"({type(err).__name__}: {err}).") from None
    if used != set(tensors):
        raise ValueError(f"fg.load: {path} holds tensors its tree structure does not place: "
                         f"{sorted(set(tensors) - used)[:5]}")
    return tree


# --- encoding: the tree as JSON, its leaves as named tensors ----------------------------------

def _name(path):
    return ".".join(str(p) for p in path)


def _encode(x, path, tensors):
    if x is None:
        return None
    if type(x) is dict:
        for k in x:
            if not isinstance(k, (str, int)):
                raise TypeError(f"fg.save: dict key {k!r} at {_where(path)} is a "
                                f"{type(k).__name__}; keys must be str or int to be saved.")
        return {"dict": [[k, _encode(v, path + (k,), tensors)] for k, v in x.items()]}
    if type(x) in (list, tuple):
        return {type(x).__name__: [_encode(v, path + (i,), tensors) for i, v in enumerate(x)]}
    if isinstance(x, tuple) and hasattr(type(x), "_fields"):
        t = type(x)
        return {"namedtuple": t.__qualname__, "module": t.__module__, "fields": list(t._fields),
                "children": [_encode(v, path + (f,), tensors) for f, v in zip(t._fields, x)]}
    return _encode_leaf(x, path, tensors)


def _encode_leaf(x, path, tensors):
    leaves = tree_leaves(x)
    if len(leaves) != 1 or leaves[0] is not x:
        raise TypeError(f"fg.save: {_where(path)} is a {type(x).__name__}, a container "
                        "registered with funcgrad but not one a file can rebuild without "
                        "running code; convert it to a dict, list, tuple or namedtuple.")
    kind = next((k for k, t in _SCALARS.items() if type(x) is t), None)
    if kind is None and not isinstance(x, (np.ndarray, np.generic)):
        raise TypeError(f"fg.save: the leaf at {_where(path)} is a {type(x).__name__}; leaves "
                        "must be NumPy arrays or scalars, or Python bool/int/float.")
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"fg.save: the leaf at {_where(path)} has dtype {arr.dtype}; "
                        "safetensors holds bool, integer and float arrays.")
    name = _name(path)
    if name in tensors:
        raise ValueError(f"fg.save: two leaves would both be named {name!r} (a dict key with "
                         f"a '.' in it, or keys 1 and '1') (at {user_frame()}); rename one of "
                         "them.")
    # safetensors writes the memory buffer as it lies, whatever the strides say
    tensors[name] = arr if arr.flags.c_contiguous else arr.copy(order="C")
    return {"leaf": name, "kind": kind or ("scalar" if isinstance(x, np.generic) else "array")}


def _where(path):
    at = f" (fg.save at {user_frame()})"
    return (f"tree path {_name(path)!r}" if path else "the root of the tree") + at


# --- decoding: every check before anything is returned -----------------------------------------

def _decode(node, tensors, used, path):
    bad = lambda what: ValueError(f"fg.load: the tree structure in {path} is damaged "
                                  f"({what}).")
    if node is None:
        return None
    if not isinstance(node, dict):
        raise bad(f"unexpected entry {node!r}")
    if "leaf" in node:
        name, kind = node["leaf"], node.get("kind")
        if name not in tensors:
            raise bad(f"no tensor named {name!r}")
        used.add(name)
        arr = tensors[name]
        if kind in _SCALARS:
            return _SCALARS[kind](arr.item())
        return arr[()] if kind == "scalar" else arr
    if "dict" in node:
        if not all(isinstance(kv, list) and len(kv) == 2 for kv in node["dict"]):
            raise bad("a dict entry that is not a [key, value] pair")
        return {k: _decode(v, tensors, used, path) for k, v in node["dict"]}
    if "list" in node:
        return [_decode(v, tensors, used, path) for v in node["list"]]
    if "tuple" in node:
        return tuple(_decode(v, tensors, used, path) for v in node["tuple"])
    if "namedtuple" in node:
        try:
            cls = _namedtuple_class(node["module"], node["namedtuple"], tuple(node["fields"]))
        except ValueError as err:  # names that are not identifiers
            raise bad(str(err)) from None
        return cls._make(_decode(v, tensors, used, path) for v in node["children"])
    raise bad(f"unknown node {sorted(node)}")


def _namedtuple_class(module, qualname, fields):
    """The class if an imported module defines a namedtuple of that name and fields (looked
    up, never imported), else a new namedtuple type with them."""
    found = sys.modules.get(module)
    for part in qualname.split("."):
        found = getattr(found, part, None) if found is not None else None
    if isinstance(found, type) and issubclass(found, tuple) and \
            getattr(found, "_fields", None) == fields:
        return found
    return collections.namedtuple(qualname.split(".")[-1], fields)
