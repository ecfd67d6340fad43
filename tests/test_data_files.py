"""Loaders for files a user brings, on small files written here in the exact on-disk formats."""

import gzip
import os
import pickle
import struct

import numpy as np
import pytest

import jaxnets as jn

RNG = np.random.default_rng(0)


# --------------------------------------------------------------------------- writers


def py2_pickle(obj) -> bytes:
    """Serialise as Python 2's cPickle did at protocol 2 (how the CIFAR Python batches are stored).

    Strings are byte strings (SHORT_BINSTRING / BINSTRING) and arrays are built by
    ``numpy.core.multiarray._reconstruct`` + ``__setstate__``, as in the real files.
    """

    def enc(o):
        if isinstance(o, dict):
            return b"}(" + b"".join(enc(k) + enc(v) for k, v in o.items()) + b"u"
        if isinstance(o, list):
            return b"](" + b"".join(enc(v) for v in o) + b"e"
        if isinstance(o, tuple):
            return b"(" + b"".join(enc(v) for v in o) + b"t"
        if isinstance(o, bool):
            return b"\x88" if o else b"\x89"
        if isinstance(o, int):
            return b"J" + struct.pack("<i", o)
        if o is None:
            return b"N"
        if isinstance(o, str):
            o = o.encode()
        if isinstance(o, bytes):
            return (b"U" + bytes([len(o)]) if len(o) < 256 else b"T" + struct.pack("<i", len(o))) + o
        assert isinstance(o, np.ndarray)
        dtype = (b"cnumpy\ndtype\n" + enc((o.dtype.str[1:], 0, 1)) + b"R"
                 + enc((3, "|", None, None, None, -1, -1, 0)) + b"b")
        return (b"cnumpy.core.multiarray\n_reconstruct\n(cnumpy\nndarray\n" + enc((0,)) + enc("b")
                + b"tR(" + enc(1) + enc(o.shape) + dtype + enc(False) + enc(o.tobytes()) + b"tb")

    return b"\x80\x02" + enc(obj) + b"."


def cifar_images(n):
    return RNG.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)


def cifar_rows(images):
    """[N, 32, 32, 3] -> [N, 3072]: the red, green and blue planes, row-major."""
    return images.transpose(0, 3, 1, 2).reshape(len(images), -1)


def write_cifar10(root, per_batch=4, test=6):
    """Both CIFAR-10 versions; returns (train images, train labels, test images, test labels)."""
    n = 5 * per_batch
    xtr, ytr = cifar_images(n), (np.arange(n) % 10).astype(np.uint8)
    xte, yte = cifar_images(test), (np.arange(test) % 10).astype(np.uint8)
    binary, python = root / "cifar-10-batches-bin", root / "cifar-10-batches-py"
    binary.mkdir()
    python.mkdir()
    batches = [(f"data_batch_{i + 1}", slice(i * per_batch, (i + 1) * per_batch)) for i in range(5)]
    for name, x, y in [(b, xtr[s], ytr[s]) for b, s in batches] + [("test_batch", xte, yte)]:
        records = np.concatenate([y[:, None], cifar_rows(x)], axis=1)
        (binary / f"{name}.bin").write_bytes(records.tobytes())
        (python / name).write_bytes(py2_pickle({
            "batch_label": f"{name} of 5", "labels": [int(v) for v in y], "data": cifar_rows(x),
            "filenames": [f"img_{i}.png" for i in range(len(y))]}))
    names = ["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    (binary / "batches.meta.txt").write_text("\n".join(names) + "\n\n")
    (python / "batches.meta").write_bytes(py2_pickle(
        {"num_cases_per_batch": per_batch, "label_names": names, "num_vis": 3072}))
    return xtr, ytr, xte, yte, names


def idx_bytes(array, code=0x08):
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    big = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    return header + array.astype(big).tobytes()


def write_mnist(folder, n_train=30, n_test=10, gz=False):
    folder.mkdir(parents=True, exist_ok=True)
    data = {"train-images-idx3-ubyte": RNG.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
            "train-labels-idx1-ubyte": (np.arange(n_train) % 10).astype(np.uint8),
            "t10k-images-idx3-ubyte": RNG.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
            "t10k-labels-idx1-ubyte": (np.arange(n_test) % 10).astype(np.uint8)}
    for name, array in data.items():
        raw = idx_bytes(array)
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / name).write_bytes(raw)
    return data


# --------------------------------------------------------------------------- CIFAR


@pytest.mark.parametrize("fmt", ["bin", "python"])
def test_cifar10_round_trip_both_formats(tmp_path, fmt):
    xtr, ytr, xte, yte, names = write_cifar10(tmp_path)
    d = jn.data.load("cifar10", data_dir=tmp_path, format=fmt, val=10, seed=0)
    assert d.info["format"] == fmt and d.class_names == names and d.num_classes == 10
    # the official test file is the test split, in order
    np.testing.assert_array_equal(d.test.x, xte.astype(np.float32) / 255)
    np.testing.assert_array_equal(d.test.y, yte)
    # validation is a stratified slice of the training files; together they are all of them
    assert (len(d.train), len(d.val)) == (10, 10)
    np.testing.assert_array_equal(np.bincount(d.val.y, minlength=10), np.ones(10))
    got = np.concatenate([d.train.x, d.val.x]).reshape(20, -1)
    want = xtr.astype(np.float32).reshape(20, -1) / 255
    assert sorted(map(bytes, got.view(np.uint8))) == sorted(map(bytes, want.view(np.uint8)))
    assert d.train.x.shape[1:] == (32, 32, 3) and d.train.y.dtype == np.int32


def test_cifar10_auto_prefers_binary_and_accepts_the_folder_itself(tmp_path):
    write_cifar10(tmp_path)
    assert jn.data.load("cifar10", data_dir=tmp_path, val=10).info["format"] == "bin"
    d = jn.data.load("cifar10", data_dir=tmp_path / "cifar-10-batches-py", val=10, as_float=False)
    assert d.info["format"] == "python" and d.train.x.dtype == np.uint8


def test_validation_slice_is_seeded_and_disjoint(tmp_path):
    write_cifar10(tmp_path, per_batch=8)
    a, b, c = (jn.data.load("cifar10", data_dir=tmp_path, val=10, seed=s, as_float=False)
               for s in (1, 1, 2))
    np.testing.assert_array_equal(a.val.x, b.val.x)
    assert not np.array_equal(a.val.x, c.val.x)
    train_rows = {bytes(r) for r in a.train.x.reshape(len(a.train), -1)}
    assert not train_rows & {bytes(r) for r in a.val.x.reshape(len(a.val), -1)}
    assert len(a.train) + len(a.val) == 40


def write_cifar100(root, n_train=200, n_test=8):
    xtr, xte = cifar_images(n_train), cifar_images(n_test)
    fine_tr, fine_te = np.arange(n_train) % 100, RNG.integers(0, 100, n_test)
    coarse_tr, coarse_te = fine_tr % 20, fine_te % 20
    binary, python = root / "cifar-100-binary", root / "cifar-100-python"
    binary.mkdir()
    python.mkdir()
    for name, x, fine, coarse in (("train", xtr, fine_tr, coarse_tr), ("test", xte, fine_te, coarse_te)):
        records = np.concatenate([coarse[:, None], fine[:, None], cifar_rows(x)], axis=1).astype(np.uint8)
        (binary / f"{name}.bin").write_bytes(records.tobytes())
        (python / name).write_bytes(py2_pickle({
            "filenames": ["a.png"] * len(x), "batch_label": name, "fine_labels": fine.tolist(),
            "coarse_labels": coarse.tolist(), "data": cifar_rows(x)}))
    fine_names, coarse_names = [f"f{i}" for i in range(100)], [f"c{i}" for i in range(20)]
    (binary / "fine_label_names.txt").write_text("\n".join(fine_names))
    (binary / "coarse_label_names.txt").write_text("\n".join(coarse_names))
    (python / "meta").write_bytes(py2_pickle({"fine_label_names": fine_names,
                                              "coarse_label_names": coarse_names}))
    return xte, fine_te, coarse_te, fine_names, coarse_names


@pytest.mark.parametrize("fmt", ["bin", "python"])
def test_cifar100_fine_and_coarse_labels(tmp_path, fmt):
    xte, fine, coarse, fine_names, coarse_names = write_cifar100(tmp_path)
    d = jn.data.load("cifar100", data_dir=tmp_path, format=fmt, val=100, seed=0)
    np.testing.assert_array_equal(d.test.x, xte / np.float32(255))
    np.testing.assert_array_equal(d.test.y, fine)
    assert d.num_classes == 100 and d.class_names == fine_names and len(d.train) == 100
    c = jn.data.load("cifar100", data_dir=tmp_path, format=fmt, label="coarse", val=100)
    np.testing.assert_array_equal(c.test.y, coarse)
    assert c.num_classes == 20 and c.class_names == coarse_names


def test_truncated_cifar_bin_names_the_file_and_the_byte_counts(tmp_path):
    write_cifar10(tmp_path)
    path = tmp_path / "cifar-10-batches-bin" / "data_batch_3.bin"
    path.write_bytes(path.read_bytes()[:-100])
    size = 4 * 3073 - 100
    with pytest.raises(ValueError, match=rf"data_batch_3\.bin: truncated .*expected a whole number of "
                                         rf"3073-byte records \(9219 or 12292 bytes.*found {size} bytes"):
        jn.data.load("cifar10", data_dir=tmp_path, format="bin")
    with pytest.raises(ValueError, match=r"empty\.bin: truncated .*found 0 bytes"):
        (tmp_path / "empty.bin").write_bytes(b"")
        jn.data.read_cifar_bin(tmp_path / "empty.bin")


def test_missing_or_empty_cifar_directory_says_where_to_put_the_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"data_dir '.*nowhere' is not a directory; put the "
                                                r"CIFAR-10 binary version cifar-10-batches-bin/ "
                                                r"\(data_batch_1\.bin.*test_batch\.bin\)"):
        jn.data.load("cifar10", data_dir=tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"no CIFAR-100 files found in .*cifar-100-binary/ "
                                                r"\(train\.bin, test\.bin\).*cifar-100-python/"):
        jn.data.load("cifar100", data_dir=tmp_path)
    with pytest.raises(ValueError, match=r"data_dir is required"):
        jn.data.load("cifar10")
    with pytest.raises(ValueError, match=r"label must be 'fine' or 'coarse', found 'medium'"):
        jn.data.load("cifar100", data_dir=tmp_path, label="medium")


def test_cifar_label_out_of_range_is_corrupt(tmp_path):
    write_cifar10(tmp_path)
    path = tmp_path / "cifar-10-batches-bin" / "test_batch.bin"
    raw = bytearray(path.read_bytes())
    raw[0] = 17
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"test_batch\.bin: corrupt .*\[0, 10\), found 17"):
        jn.data.load("cifar10", data_dir=tmp_path, format="bin")


# --------------------------------------------------------------------------- restricted unpickling


class RunsCode:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return os.system, (f"touch {self.target}",)


def test_pickle_that_would_run_code_is_refused(tmp_path):
    write_cifar10(tmp_path)
    marker = tmp_path / "pwned"
    batch = tmp_path / "cifar-10-batches-py" / "data_batch_2"
    batch.write_bytes(pickle.dumps({"data": RunsCode(marker), "labels": [0]}, protocol=2))
    with pytest.raises(ValueError, match=r"data_batch_2: refused to unpickle: global '(posix|os|nt)"
                                         r"\.system' is refused"):
        jn.data.load("cifar10", data_dir=tmp_path, format="python")
    assert not marker.exists()
    # the same file through plain pickle would have run the command (the test's premise)
    pickle.loads(batch.read_bytes())
    assert marker.exists()


@pytest.mark.parametrize("payload,match", [
    (pickle.dumps(eval, protocol=4), r"global 'builtins\.eval' is refused"),
    (pickle.dumps(np.load, protocol=4), r"global 'numpy\.load' is refused"),
    (pickle.dumps(np.array([1, "a"], dtype=object), protocol=4), r"object dtype"),
    (pickle.dumps(np.arange(3), protocol=5), r"_frombuffer' is refused"),
    (pickle.dumps(b"bytes at protocol 2", protocol=2), r"global '_codecs\.encode' is refused"),
    (pickle.dumps({1, 2}, protocol=4), r"found an object of type set"),
    (b"\x80\x02cnumpy\nndarray\n(J\x00\x00\x10\x00tR.", r"calling numpy\.ndarray directly is refused"),
    (b"\x80\x02cnumpy.core.multiarray\n_reconstruct\n(cnumpy\ndtype\n(J\x05\x00\x00\x00tU\x01btR.",
     r"_reconstruct with subtype"),
    (b"\x80\x02]q\x00", r"not a readable pickle \(5 bytes\)"),
])
def test_restricted_load_refuses_anything_but_data(tmp_path, payload, match):
    path = tmp_path / "evil.pkl"
    path.write_bytes(payload)
    with pytest.raises(ValueError, match=rf"evil\.pkl: .*{match}"):
        jn.data.restricted_load(path)


@pytest.mark.parametrize("protocol", [3, 4])  # protocol 2 (Python 2) is the CIFAR tests' py2_pickle
def test_restricted_load_reads_plain_data(tmp_path, protocol):
    obj = {"a": [1, 2.5, "s", None, (True, -7)], "b": b"raw",
           "x": np.arange(6, dtype=np.float32).reshape(2, 3)}
    (tmp_path / "ok.pkl").write_bytes(pickle.dumps(obj, protocol=protocol))
    got = jn.data.restricted_load(tmp_path / "ok.pkl")
    np.testing.assert_array_equal(got.pop("x"), obj.pop("x"))
    assert got == obj


# --------------------------------------------------------------------------- IDX / MNIST


@pytest.mark.parametrize("code,values", [
    (0x08, np.arange(24).reshape(2, 3, 4) % 256), (0x09, np.arange(-5, 5)),
    (0x0B, np.arange(-300, 300, 50).reshape(3, 4)), (0x0C, np.array([[-70000, 70000]])),
    (0x0D, np.linspace(-1, 1, 7)), (0x0E, np.linspace(-3, 3, 12).reshape(2, 2, 3))])
@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_every_type_plain_and_gzip(tmp_path, code, values, gz):
    raw = idx_bytes(values, code)
    path = tmp_path / ("a.idx.gz" if gz else "a.idx")
    path.write_bytes(gzip.compress(raw) if gz else raw)
    got = jn.data.read_idx(path)
    assert got.shape == values.shape and got.dtype.isnative
    np.testing.assert_allclose(got, values, rtol=1e-6)


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_round_trip(tmp_path, gz):
    data = write_mnist(tmp_path / "mnist", gz=gz)
    d = jn.data.load("mnist", data_dir=tmp_path, val=10, seed=0)
    np.testing.assert_array_equal(d.test.x[..., 0], data["t10k-images-idx3-ubyte"] / np.float32(255))
    np.testing.assert_array_equal(d.test.y, data["t10k-labels-idx1-ubyte"])
    assert (len(d.train), len(d.val), len(d.test)) == (20, 10, 10)
    np.testing.assert_array_equal(np.bincount(d.val.y), np.ones(10))
    assert d.train.x.shape[1:] == (28, 28, 1) and d.class_names == [str(i) for i in range(10)]
    got = np.concatenate([d.train.x, d.val.x]).reshape(30, -1)
    want = data["train-images-idx3-ubyte"].reshape(30, -1) / np.float32(255)
    assert sorted(map(bytes, got)) == sorted(map(bytes, want))


def test_fashion_mnist_torchvision_layout_and_class_names(tmp_path):
    write_mnist(tmp_path / "FashionMNIST" / "raw", gz=True)
    d = jn.data.load("fashion_mnist", data_dir=tmp_path, val=10, as_float=False)
    assert d.class_names[0] == "T-shirt/top" and d.class_names[9] == "Ankle boot"
    assert d.train.x.dtype == np.uint8


def test_truncated_idx_names_the_file_and_the_byte_counts(tmp_path):
    write_mnist(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte"
    expected = 16 + 30 * 28 * 28
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(ValueError, match=rf"train-images-idx3-ubyte: truncated or corrupt IDX file: header "
                                         rf"says shape \(30, 28, 28\) of u1, expected {expected} bytes, "
                                         rf"found {expected - 7}"):
        jn.data.load("mnist", data_dir=tmp_path)
    path.write_bytes(b"\0\0\x08")
    with pytest.raises(ValueError, match=r"truncated IDX file: expected at least 4 bytes, found 3"):
        jn.data.read_idx(path)


def test_truncated_gzip_idx(tmp_path):
    raw = idx_bytes(RNG.integers(0, 256, (5, 28, 28), dtype=np.uint8))
    short = tmp_path / "short.gz"  # a complete gzip stream of too few bytes
    short.write_bytes(gzip.compress(raw[:-10]))
    with pytest.raises(ValueError, match=rf"short\.gz: truncated IDX file: expected at least "
                                         rf"{len(raw)} decompressed bytes, found {len(raw) - 10}"):
        jn.data.read_idx(short)
    cut = tmp_path / "cut.gz"  # the compressed stream itself cut off
    cut.write_bytes(gzip.compress(raw)[: len(raw) // 2])
    with pytest.raises(ValueError, match=r"cut\.gz: truncated or corrupt gzip stream after \d+ "
                                         rf"decompressed bytes .*expected {len(raw)} bytes"):
        jn.data.read_idx(cut)


def test_bad_idx_magic_and_mismatched_labels(tmp_path):
    (tmp_path / "x.idx").write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ValueError, match=r"x\.idx: not an IDX file: .*found 89 50 4e 47"):
        jn.data.read_idx(tmp_path / "x.idx")
    write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(9, np.uint8)))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte: expected 10 labels .*found shape \(9,\)"):
        jn.data.load("mnist", data_dir=tmp_path)


def test_missing_mnist_files_are_named(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match=r"mnist: missing t10k-images-idx3-ubyte \(plain or \.gz\)"
                                                r".*put the four MNIST IDX files"):
        jn.data.load("mnist", data_dir=tmp_path)


# --------------------------------------------------------------------------- text files

TEXT = "the cat sat on the mat. the dog sat on the log. " * 6 + "a zebra!"


def test_text_file_char_windows_and_next_token_targets(tmp_path):
    (tmp_path / "t.txt").write_text(TEXT)
    d = jn.data.load("text_file", path=tmp_path / "t.txt", seq_len=10, val=0.1, test=0.1)
    vocab = d.info["vocab"]
    n = len(TEXT)
    a = n - round(0.1 * n) - round(0.1 * n)
    assert vocab[0] == "\ufffd" and set(vocab[1:]) == set(TEXT[:a])  # vocabulary from training text only
    assert d.train.x.shape == (a // 11 if a % 10 == 0 else (a - 11) // 10 + 1, 10)
    np.testing.assert_array_equal(d.train.x[:, 1:], d.train.y[:, :-1])
    decode = lambda ids: "".join(vocab[i] for i in ids)  # noqa: E731
    assert decode(d.train.x[0]) == TEXT[:10] and decode(d.train.y[0]) == TEXT[1:11]
    assert decode(d.train.x[1]) == TEXT[10:20]  # stride = seq_len
    assert d.info["unknown_in_eval"] == sum(c not in TEXT[:a] for c in TEXT[a:]) > 0  # 'z', '!'
    assert d.train.x.dtype == np.int32 and d.info["vocab_size"] == len(vocab)


def test_text_file_word_level_stride_and_max_vocab(tmp_path):
    (tmp_path / "t.txt").write_text(TEXT)
    d = jn.data.load("text_file", path=tmp_path / "t.txt", level="word", seq_len=4, stride=1,
                     val=0, test=0.2, max_vocab=5)
    words = jn.data.tokenize(TEXT, "word")
    assert words[:6] == ["the", "cat", "sat", "on", "the", "mat"] and words[-2:] == ["zebra", "!"]
    assert d.info["vocab"] == ["<unk>", "the", ".", "on", "sat"]  # by frequency, ties by token
    assert len(d.val) == 0 and d.val.x.shape == (0, 4)
    a = len(words) - round(0.2 * len(words))
    assert len(d.train) == a - 4  # every start, windows of 5 tokens
    np.testing.assert_array_equal(d.train.x[1:, :], d.train.y[:-1, :])


def test_text_file_errors(tmp_path):
    (tmp_path / "t.txt").write_text("abc")
    with pytest.raises(ValueError, match=r"training part holds 3 tokens; a window needs seq_len \+ 1 = 11"):
        jn.data.load("text_file", path=tmp_path / "t.txt", seq_len=10, val=0, test=0)
    with pytest.raises(ValueError, match=r"level must be 'char' or 'word', found 'byte'"):
        jn.data.load("text_file", path=tmp_path / "t.txt", level="byte")
    with pytest.raises(FileNotFoundError, match=r"path '.*missing\.txt' is not a file"):
        jn.data.load("text_file", path=tmp_path / "missing.txt")


# --------------------------------------------------------------------------- CSV series


def write_csv(path, n=40):
    t = np.arange(n)
    target = 10.0 + t  # value at row i is 10 + i: windows are easy to check
    other = np.sin(t)
    rows = zip(t, target, other, strict=True)
    lines = ["date,value,other"] + [f"2020-01-{i:03d},{v},{float(o)!r}" for i, v, o in rows]
    path.write_text("\n".join(lines) + "\n")
    return target, other


def test_csv_series_one_step_windows_in_time_order(tmp_path):
    target, _ = write_csv(tmp_path / "s.csv")
    d = jn.data.load("csv_series", path=tmp_path / "s.csv", column="value", window=5,
                     normalize=False, val=0.2, test=0.2)
    assert d.info["bounds"] == (24, 32, 40) and d.train.x.shape[1:] == (5, 1)
    # an example forecasting row t has inputs rows t-5..t-1: x = 10+t-5.., y = 10+t
    np.testing.assert_array_equal(d.train.x[:, :, 0], 10 + np.arange(19)[:, None] + np.arange(5))
    np.testing.assert_array_equal(d.train.y[:, 0], 10 + np.arange(5, 24))
    np.testing.assert_array_equal(d.val.y[:, 0], target[24:32])  # val targets: exactly its rows
    np.testing.assert_array_equal(d.test.y[:, 0], target[32:40])
    np.testing.assert_array_equal(d.val.x[0, :, 0], target[19:24])  # looks back into training time
    assert d.train.y.max() < d.val.y.min() and d.val.y.max() < d.test.y.min()


def test_csv_series_multi_step_features_and_train_only_normalisation(tmp_path):
    target, other = write_csv(tmp_path / "s.csv")
    d = jn.data.load("csv_series", path=tmp_path / "s.csv", column=1, features=["other"], window=4,
                     horizon=3, val=0.25, test=0.25)
    a = 20
    mean = np.array([target[:a].mean(), other[:a].mean()])
    std = np.array([target[:a].std(), other[:a].std()])
    np.testing.assert_allclose(d.info["mean"], mean, rtol=1e-6)
    np.testing.assert_allclose(d.info["std"], std, rtol=1e-6)
    assert d.info["columns"] == ["value", "other"] and d.train.x.shape[1:] == (4, 2)
    assert d.train.y.shape[1:] == (3,)
    # train examples: all of targets in rows < 20; val: all in [20, 30) (straddling ones dropped)
    assert (len(d.train), len(d.val), len(d.test)) == (20 - 4 - 2, 10 - 2, 10 - 2)
    np.testing.assert_allclose(d.val.y[0], (target[20:23] - mean[0]) / std[0], rtol=1e-5)
    np.testing.assert_allclose(d.val.x[0, :, 1], (other[16:20] - mean[1]) / std[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(d.train.x[0, :, 0], (target[:4] - mean[0]) / std[0], rtol=1e-5)


def test_csv_series_without_header_and_errors(tmp_path):
    (tmp_path / "plain.csv").write_text("\n".join(f"{i};{i * 2}" for i in range(20)))
    d = jn.data.load("csv_series", path=tmp_path / "plain.csv", column=1, window=3, delimiter=";",
                     normalize=False, val=0, test=0.25)
    np.testing.assert_array_equal(d.train.x[0, :, 0], [0, 2, 4])
    assert d.info["columns"] == ["column_1"] and len(d.val) == 0
    write_csv(tmp_path / "s.csv")
    with pytest.raises(ValueError, match=r"column 'price' not found in .*s\.csv; found columns "
                                         r"\['date', 'value', 'other'\]"):
        jn.data.load("csv_series", path=tmp_path / "s.csv", column="price")
    (tmp_path / "bad.csv").write_text("value\n1\n2\nn/a\n4\n")
    with pytest.raises(ValueError, match=r"bad\.csv, line 4, column 'value': expected a finite number, "
                                         r"found 'n/a'"):
        jn.data.load("csv_series", path=tmp_path / "bad.csv", column="value")
    with pytest.raises(ValueError, match=r"window must be an int >= 1, found 0"):
        jn.data.load("csv_series", path=tmp_path / "s.csv", column="value", window=0)
    with pytest.raises(ValueError, match=r"training part holds 28 rows; one example needs window \+ "
                                         r"horizon = 31"):
        jn.data.load("csv_series", path=tmp_path / "s.csv", column="value", window=30)
    with pytest.raises(ValueError, match=r"column is required"):
        jn.data.load("csv_series", path=tmp_path / "s.csv")


# --------------------------------------------------------------------------- the mlp experiment on user files


def test_mlp_experiment_on_mnist_files_quick(tmp_path):
    from experiments import mlp

    write_mnist(tmp_path / "mnist", n_train=5100, n_test=50, gz=True)
    results = mlp.main(["--quick", "--no-progress", "--dataset", "mnist", "--data-dir", str(tmp_path),
                        "--out", str(tmp_path / "run"), "--hidden", "16"])
    assert (tmp_path / "run" / "results.json").is_file()
    assert (tmp_path / "run" / "learning_curves.png").is_file()
    assert results["dataset"] == "Dataset('mnist', train=100, val=5000, test=50, x(28, 28, 1))"
    with pytest.raises(SystemExit):
        mlp.main(["--quick", "--dataset", "fashion_mnist", "--data-dir", str(tmp_path / "none")])
