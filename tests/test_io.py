"""fg.save / fg.load: round trips of every container and leaf kind, the file as other tools see
it (safetensors' own reader, PyTorch when installed), and a clear error for every bad file."""
import collections
import json
import struct
import sys
from typing import NamedTuple

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

import funcgrad as fg
import funcgrad.nn as nn
import funcgrad.optim as optim
import funcgrad.random as fr


class Pair(NamedTuple):
    first: object
    second: object


Point = collections.namedtuple("Point", ["x", "y"])


def assert_same_tree(a, b):
    """Same containers (types, keys and order), same leaf types, dtypes, shapes and values."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same_tree(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same_tree(x, y)
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


TREES = {
    "mlp": nn.init_mlp(fr.key(0), [3, 4, 2]),
    "dtypes": {"f32": np.ones((2, 3), np.float32), "f64": np.arange(3.0),
               "i32": np.array([1, -2], np.int32), "i64": np.arange(4).reshape(2, 2),
               "u8": np.array([0, 255], np.uint8), "bool": np.array([True, False]),
               "f16": np.array([0.5], np.float16)},
    "zero_d": {"scalar": np.array(3.5), "int": np.array(7), "flag": np.array(True)},
    "python_and_numpy_scalars": [1.5, 2, True, np.float32(0.25), np.int64(-3), np.bool_(False)],
    "containers": {"t": (np.ones(1), [np.zeros(2), None]), "n": None, "pair": Pair(1.0, [2])},
    "empty": {"d": {}, "l": [], "t": (), "n": None},
    "empty_root": {},
    "none_root": None,
    "leaf_root": np.arange(6.0).reshape(2, 3),
    "int_and_str_keys": {1: np.ones(1), "b": np.zeros(1), 0: np.full(1, 2.0)},
    "key_order_kept": {"z": np.ones(1), "a": np.zeros(1)},
    "namedtuple_from_collections": Point(np.ones(2), np.zeros(2)),
    "empty_arrays": {"e": np.zeros((0, 3)), "e32": np.zeros(0, np.float32)},
    "noncontiguous": {"t": np.arange(12.0).reshape(3, 4).T, "s": np.arange(10)[::3]},
}


@pytest.mark.parametrize("name", sorted(TREES))
def test_round_trip(name, tmp_path):
    path = tmp_path / "t.safetensors"
    fg.save(path, TREES[name])
    assert_same_tree(fg.load(path), TREES[name])
    assert_same_tree(fg.load(str(path)), TREES[name])


def test_optimizer_state_round_trips_as_its_own_classes(tmp_path):
    params = nn.init_mlp(fr.key(0), [2, 3, 1])
    opt = optim.adam(1e-3)
    state = opt.init(params)
    _, state = opt.update(fg.tree_map(np.ones_like, params), state, params)
    fg.save(tmp_path / "s.safetensors", {"params": params, "opt": state})
    back = fg.load(tmp_path / "s.safetensors")
    assert_same_tree(back["opt"], state)  # ScaleByAdamState, CountState: the same classes
    # so the loaded state keeps training exactly like the original
    g = fg.tree_map(lambda p: 0.5 * np.ones_like(p), params)
    u1, _ = opt.update(g, state, params)
    u2, _ = opt.update(g, back["opt"], back["params"])
    for a, b in zip(fg.tree_leaves(u1), fg.tree_leaves(u2)):
        np.testing.assert_array_equal(a, b)


def test_a_namedtuple_no_module_defines_loads_as_a_lookalike(tmp_path):
    Local = collections.namedtuple("Local", ["a", "b"])  # its qualname is not importable
    fg.save(tmp_path / "l.safetensors", Local(np.ones(1), 2.0))
    back = fg.load(tmp_path / "l.safetensors")
    assert type(back).__name__ == "Local" and back._fields == ("a", "b")
    assert back.b == 2.0 and back.a.tolist() == [1.0]


def test_the_file_as_other_tools_read_it(tmp_path):
    tree = {"layers": [{"w": np.ones((2, 3), np.float32), "b": np.zeros(3, np.float32)}],
            "opt": Pair(np.array(3), (np.arange(2.0),)), 4: np.array(True)}
    path = tmp_path / "t.safetensors"
    fg.save(path, tree)
    flat = load_file(path)  # safetensors' own numpy reader: one tensor per tree path
    assert sorted(flat) == ["4", "layers.0.b", "layers.0.w", "opt.first", "opt.second.0"]
    np.testing.assert_array_equal(flat["layers.0.w"], tree["layers"][0]["w"])
    assert flat["layers.0.w"].dtype == np.float32
    with safe_open(path, framework="np") as f:
        structure = json.loads(f.metadata()["funcgrad.tree"])
    assert structure["dict"][0][0] == "layers" and structure["dict"][2][0] == 4


def test_the_file_opens_in_pytorch(tmp_path):
    pytest.importorskip("torch", reason="torch is a benchmark peer, not installed")
    from safetensors.torch import load_file as torch_load
    params = nn.init_mlp(fr.key(1), [3, 5, 2], dtype=np.float32)
    fg.save(tmp_path / "mlp.safetensors", params)
    state_dict = torch_load(tmp_path / "mlp.safetensors")
    assert sorted(state_dict) == ["0.b", "0.w", "1.b", "1.w"]
    for i, layer in enumerate(params):
        np.testing.assert_array_equal(state_dict[f"{i}.w"].numpy(), layer["w"])


def test_loading_runs_no_code(tmp_path):
    # a file naming a callable where a namedtuple class belongs gets a plain namedtuple: the
    # name is looked up among imported modules, nothing is imported or called
    structure = {"namedtuple": "system", "module": "os", "fields": ["a"],
                 "children": [{"leaf": "a", "kind": "array"}]}
    path = tmp_path / "evil.safetensors"
    save_file({"a": np.ones(1)}, path, metadata={"funcgrad.tree": json.dumps(structure)})
    back = fg.load(path)
    assert type(back).__name__ == "system" and type(back).__module__ != "os"
    structure["module"] = "a_module_nobody_imported"
    save_file({"a": np.ones(1)}, path, metadata={"funcgrad.tree": json.dumps(structure)})
    fg.load(path)
    assert "a_module_nobody_imported" not in sys.modules


# --- bad files: a ValueError naming the file, never a partial tree ----------------------------

def _saved(tmp_path, tree=None):
    path = tmp_path / "good.safetensors"
    fg.save(path, TREES["mlp"] if tree is None else tree)
    return path, path.read_bytes()


@pytest.mark.parametrize("cut", [1, 100, -1, -10])
def test_truncated_file(tmp_path, cut):
    path, data = _saved(tmp_path)
    bad = tmp_path / "cut.safetensors"
    bad.write_bytes(data[:cut])
    with pytest.raises(ValueError, match=r"cut\.safetensors is not a readable safetensors "
                                         r"file .*truncated, damaged or of another format"):
        fg.load(bad)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 a zip file", b"\x80\x04\x95 a pickle",
                                     b"x" * 1000])
def test_foreign_file(tmp_path, content):
    bad = tmp_path / "foreign.bin"
    bad.write_bytes(content)
    with pytest.raises(ValueError, match=r"foreign\.bin is not a readable safetensors file"):
        fg.load(bad)


def test_npz_file(tmp_path):
    np.savez(tmp_path / "w.npz", w=np.ones(3))
    with pytest.raises(ValueError, match=r"w\.npz is not a readable safetensors file"):
        fg.load(tmp_path / "w.npz")


def test_safetensors_file_not_written_by_save(tmp_path):
    save_file({"w": np.ones(2)}, tmp_path / "torch.safetensors", metadata={"format": "pt"})
    with pytest.raises(ValueError, match=r"torch\.safetensors is a safetensors file, but not one "
                                         r"written by fg\.save.*safetensors\.numpy\.load_file"):
        fg.load(tmp_path / "torch.safetensors")


def _rewrite(path, tensors, structure):
    meta = {"funcgrad.tree": structure if isinstance(structure, str) else json.dumps(structure)}
    save_file(tensors, path, metadata=meta)


def test_damaged_structure(tmp_path):
    path = tmp_path / "d.safetensors"
    cases = [
        ({"w": np.ones(1)}, "{not json", r"metadata is not valid JSON"),
        ({"w": np.ones(1)}, {"dict": [["w", {"leaf": "v", "kind": "array"}]]},
         r"no tensor named 'v'"),
        ({"w": np.ones(1), "x": np.ones(1)}, {"dict": [["w", {"leaf": "w"}]]},
         r"holds tensors its tree structure does not place: \['x'\]"),
        ({"w": np.ones(1)}, {"set": []}, r"unknown node \['set'\]"),
        ({"w": np.ones(1)}, [1, 2], r"unexpected entry \[1, 2\]"),
        ({"w": np.ones(1)}, {"dict": [["w"]]}, r"not a \[key, value\] pair"),
        ({"w": np.ones(1)}, {"namedtuple": "Bad Name", "module": "m", "fields": ["a"],
                             "children": []}, r"damaged .*identifiers"),
        ({"w": np.ones(1)}, {"namedtuple": "P", "fields": ["a"], "children": []},
         r"damaged \(KeyError"),
    ]
    for tensors, structure, message in cases:
        _rewrite(path, tensors, structure)
        with pytest.raises(ValueError, match=r"d\.safetensors.*" + message):
            fg.load(path)


def test_header_length_lies(tmp_path):
    path, data = _saved(tmp_path)
    n = struct.unpack("<Q", data[:8])[0]
    bad = tmp_path / "lies.safetensors"
    bad.write_bytes(struct.pack("<Q", n + 50) + data[8:])
    with pytest.raises(ValueError, match=r"lies\.safetensors is not a readable safetensors"):
        fg.load(bad)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        fg.load(tmp_path / "nope.safetensors")


# --- what cannot be saved: a TypeError/ValueError naming the leaf's tree path ------------------

def test_unsavable_trees(tmp_path):
    path = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match=r"leaf at tree path 'a.1' "
                                        r"\(fg.save at .*test_io.py:\d+\) is a str"):
        fg.save(path, {"a": [np.ones(1), "text"]})
    with pytest.raises(TypeError, match=r"tree path 'c' .* has dtype complex128"):
        fg.save(path, {"c": np.ones(2, complex)})
    with pytest.raises(TypeError, match=r"dict key \(1, 2\) at the root of the tree .* is a tuple"):
        fg.save(path, {(1, 2): np.ones(1)})
    with pytest.raises(ValueError, match=r"two leaves would both be named 'a.b' .*test_io.py"):
        fg.save(path, {"a.b": np.ones(1), "a": {"b": np.zeros(1)}})
    with pytest.raises(ValueError, match=r"two leaves would both be named '1'"):
        fg.save(path, {1: np.ones(1), "1": np.zeros(1)})

    class Box:
        def __init__(self, v):
            self.v = v

    fg.register_pytree_node(Box, lambda b: ((b.v,), None), lambda _, c: Box(*c))
    with pytest.raises(TypeError, match=r"tree path 'box' .* is a Box, a container registered"):
        fg.save(path, {"box": Box(np.ones(1))})
    assert not path.exists()  # nothing was written by the failed saves


def test_a_failed_save_keeps_the_old_file(tmp_path):
    path, before = _saved(tmp_path)
    with pytest.raises(TypeError):
        fg.save(path, {"w": np.ones(1), "bad": object()})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["good.safetensors"]


def test_save_of_a_traced_value_is_an_error():
    with pytest.raises(TypeError):
        fg.grad(lambda x: fg.save("/dev/null", {"x": x}) or x.sum())(np.ones(2))
