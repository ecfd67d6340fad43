"""Image datasets a user brings: CIFAR-10/100 and MNIST/Fashion-MNIST from a local directory.

Nothing is downloaded: ``load("cifar10", data_dir=...)`` reads the files the user
put there. Every file is checked against the size its format implies *before*
its data are read, so a truncated download fails with the file name and the byte
counts (expected vs found) rather than a reshape error or garbage. The official
test files are the test split; the validation split is a seeded, stratified
slice of the training files.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jaxnets.data._datasets import register
from jaxnets.data._safe_pickle import restricted_load
from jaxnets.data._splits import train_val_test_split
from jaxnets.data._types import Dataset, Split

CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar.html"
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck"]
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
_PIXELS = 32 * 32 * 3


# --------------------------------------------------------------------------- helpers


def existing_path(dataset: str, arg: str, value: str | Path | None, *, folder: bool, hint: str) -> Path:
    """``value`` as a Path, or a clear error if it is None or not an existing folder / file."""
    if value is None:
        raise ValueError(f"{dataset}: {arg} is required (this dataset is not embedded); {hint}")
    path = Path(value).expanduser()
    if not (path.is_dir() if folder else path.is_file()):
        kind = "a directory" if folder else "a file"
        raise FileNotFoundError(f"{dataset}: {arg} '{path}' is not {kind}; {hint}")
    return path


def _first_dir_with(base: Path, subdirs: Sequence[str], files: Sequence[str]) -> Path | None:
    """The first of ``base``, ``base/sub`` ... that holds every one of ``files``."""
    for d in (base, *(base / s for s in subdirs)):
        if all((d / f).is_file() for f in files):
            return d
    return None


def _images_to_float(images: np.ndarray, as_float: bool) -> np.ndarray:
    return (images.astype(np.float32) / 255.0) if as_float else images


def _split_train(
    name: str, train: Split, test: Split, *, val: float | int, seed: int, info: dict[str, Any]
) -> Dataset:
    """Official test files as test; a seeded stratified slice of the training files as validation."""
    tr, va, _ = train_val_test_split(train.x, train.y, val=val, test=0, seed=seed, stratify=True)
    info = info | {"size": len(train) + len(test), "input_shape": tuple(train.x.shape[1:])}
    return Dataset(name, tr, va, test, info)


def _check_labels(path: Path, labels: np.ndarray, num_classes: int, what: str = "label") -> None:
    if labels.size and int(labels.max()) >= num_classes:
        raise ValueError(f"{path}: corrupt file: {what} bytes must be in [0, {num_classes}), "
                         f"found {int(labels.max())}")


# --------------------------------------------------------------------------- CIFAR


def read_cifar_bin(path: str | Path, label_bytes: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Read a CIFAR binary batch: records of ``label_bytes`` label bytes then 3,072 pixel bytes.

    The pixels of a record are the red, green and blue 32x32 planes, row-major.

    Args:
      path: a ``.bin`` file (CIFAR-10: 1 label byte; CIFAR-100: coarse and fine, 2).
      label_bytes: label bytes per record.

    Returns:
      images: uint8 [N, 32, 32, 3]; labels: uint8 [N, label_bytes].

    Raises:
      ValueError: naming the file and the byte counts if its size is not a
        positive multiple of the record size (checked before reading).
    """
    path = Path(path)
    record = label_bytes + _PIXELS
    size = path.stat().st_size
    if size == 0 or size % record:
        whole = max(size // record, 1)
        raise ValueError(
            f"{path}: truncated or corrupt CIFAR binary file: expected a whole number of "
            f"{record}-byte records ({whole * record} or {(whole + 1) * record} bytes, "
            f"{10000 * record} in an official batch), found {size} bytes")
    rows = np.fromfile(path, dtype=np.uint8).reshape(-1, record)
    images = rows[:, label_bytes:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), rows[:, :label_bytes].copy()


def _cifar_py_batch(path: Path, label_key: str) -> tuple[np.ndarray, np.ndarray]:
    batch = restricted_load(path)
    if not isinstance(batch, dict) or "data" not in batch or label_key not in batch:
        found = sorted(batch) if isinstance(batch, dict) else type(batch).__name__
        raise ValueError(f"{path}: expected a CIFAR batch dict with 'data' and '{label_key}', "
                         f"found {found}")
    data, labels = np.asarray(batch["data"]), np.asarray(batch[label_key])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != _PIXELS:
        raise ValueError(f"{path}: 'data' must be uint8 [N, {_PIXELS}], found {data.dtype} {data.shape}")
    if labels.shape != (len(data),) or labels.dtype.kind not in "iu" or (labels.size and labels.min() < 0):
        raise ValueError(f"{path}: '{label_key}' must be {len(data)} non-negative ints, "
                         f"found {labels.dtype} {labels.shape}")
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


def _meta_names(path: Path, key: str) -> list[str] | None:
    if not path.is_file():
        return None
    if path.suffix == ".txt":
        return [ln.strip() for ln in path.read_text().splitlines() if ln.strip()]
    meta = restricted_load(path)
    names = meta.get(key) if isinstance(meta, dict) else None
    return [n.decode() if isinstance(n, bytes) else str(n) for n in names] if names else None


_CIFAR = {
    "cifar10": dict(
        title="CIFAR-10", dirs={"bin": "cifar-10-batches-bin", "python": "cifar-10-batches-py"},
        train={"bin": [f"data_batch_{i}.bin" for i in range(1, 6)],
               "python": [f"data_batch_{i}" for i in range(1, 6)]},
        test={"bin": ["test_batch.bin"], "python": ["test_batch"]},
        meta={"bin": "batches.meta.txt", "python": "batches.meta"}),
    "cifar100": dict(
        title="CIFAR-100", dirs={"bin": "cifar-100-binary", "python": "cifar-100-python"},
        train={"bin": ["train.bin"], "python": ["train"]},
        test={"bin": ["test.bin"], "python": ["test"]},
        meta={"bin": "{label}_label_names.txt", "python": "meta"}),
}


def _cifar_hint(name: str) -> str:
    spec = _CIFAR[name]
    forms = [f"{spec['dirs'][k]}/ ({', '.join(spec['train'][k] + spec['test'][k])})"
             for k in ("bin", "python")]
    return (f"put the {spec['title']} binary version {forms[0]} or Python version {forms[1]} "
            f"in data_dir (or data_dir itself can be that folder); get them from {CIFAR_URL}")


def _locate_cifar(name: str, base: Path, fmt: str, hint: str) -> tuple[str, Path]:
    """The format ("bin" or "python") and the folder of the first complete set of CIFAR files."""
    spec = _CIFAR[name]
    for kind in (("bin", "python") if fmt == "auto" else (fmt,)):
        found = _first_dir_with(base, [spec["dirs"][kind]], spec["train"][kind] + spec["test"][kind])
        if found is not None:
            return kind, found
    raise FileNotFoundError(f"{name}: no {spec['title']} files found in '{base}'; {hint}")


def _read_cifar_files(folder: Path, files: list[str], kind: str, label: str | None, as_float: bool) -> Split:
    """Concatenate CIFAR batches; ``label`` is None for CIFAR-10, "fine"/"coarse" for CIFAR-100."""
    xs, ys = [], []
    for f in files:
        if kind == "bin":
            images, labels = read_cifar_bin(folder / f, label_bytes=1 if label is None else 2)
            labels = labels[:, 1 if label == "fine" else 0]  # CIFAR-100 records: coarse, fine
        else:
            images, labels = _cifar_py_batch(folder / f, "labels" if label is None else f"{label}_labels")
        _check_labels(folder / f, labels, {None: 10, "fine": 100, "coarse": 20}[label])
        xs.append(images)
        ys.append(labels)
    return Split(_images_to_float(np.concatenate(xs), as_float), np.concatenate(ys).astype(np.int32))


def _load_cifar(
    name: str, data_dir: str | Path | None, *, fmt: str, label: str | None, seed: int,
    val: float | int, as_float: bool,
) -> Dataset:
    if fmt not in ("auto", "bin", "python"):
        raise ValueError(f"format must be 'auto', 'bin' or 'python', found {fmt!r}")
    if name == "cifar100" and label not in ("fine", "coarse"):
        raise ValueError(f"label must be 'fine' or 'coarse', found {label!r}")
    hint = _cifar_hint(name)
    spec = _CIFAR[name]
    base = existing_path(name, "data_dir", data_dir, folder=True, hint=hint)
    kind, folder = _locate_cifar(name, base, fmt, hint)
    train = _read_cifar_files(folder, spec["train"][kind], kind, label, as_float)
    test = _read_cifar_files(folder, spec["test"][kind], kind, label, as_float)
    num_classes = {None: 10, "fine": 100, "coarse": 20}[label]
    meta = folder / spec["meta"][kind].format(label=label)
    names = _meta_names(meta, "label_names" if label is None else f"{label}_label_names")
    if names is None or len(names) != num_classes:
        names = CIFAR10_CLASSES if label is None else [str(i) for i in range(num_classes)]
    info = {"num_classes": num_classes, "class_names": names, "format": kind, "directory": str(folder),
            "source": f"{spec['title']} ({kind} version) from {folder}; Krizhevsky 2009, {CIFAR_URL}"}
    if label is not None:
        info["label"] = label
    return _split_train(name, train, test, val=val, seed=seed, info=info)


@register("cifar10")
def load_cifar10(
    *, data_dir: str | Path | None = None, format: str = "auto", seed: int = 0,
    val: float | int = 5000, as_float: bool = True,
) -> Dataset:
    """CIFAR-10 from local files: 60,000 colour 32x32 images of 10 classes (Krizhevsky, 2009).

    ``data_dir`` holds ``cifar-10-batches-bin/`` (``data_batch_1.bin`` ..
    ``data_batch_5.bin``, ``test_batch.bin``, ``batches.meta.txt``; preferred) or
    ``cifar-10-batches-py/`` (``data_batch_1`` .. ``data_batch_5``, ``test_batch``,
    ``batches.meta``), or is one of those folders. The Python version is read
    through :func:`restricted_load`, which refuses any pickle that would run code.

    Args:
      data_dir: the directory; nothing is downloaded.
      format: "auto" (binary if present, else Python), "bin" or "python".
      seed: seed of the stratified validation slice of the 50,000 training images.
      val: validation fraction or count taken from the training files.
      as_float: float32 pixels in [0, 1] (else the raw uint8).

    Returns:
      x: [N, 32, 32, 3] (NHWC); y: int32 [N] in [0, 10); test = ``test_batch``.
    """
    return _load_cifar("cifar10", data_dir, fmt=format, label=None, seed=seed, val=val,
                       as_float=as_float)


@register("cifar100")
def load_cifar100(
    *, data_dir: str | Path | None = None, format: str = "auto", label: str = "fine",
    seed: int = 0, val: float | int = 5000, as_float: bool = True,
) -> Dataset:
    """CIFAR-100 from local files: 60,000 colour 32x32 images, 100 fine / 20 coarse classes.

    ``data_dir`` holds ``cifar-100-binary/`` (``train.bin``, ``test.bin``: records
    of a coarse label byte, a fine label byte and 3,072 pixel bytes;
    ``fine_label_names.txt``, ``coarse_label_names.txt``) or ``cifar-100-python/``
    (``train``, ``test``, ``meta``), or is one of those folders.

    Args:
      data_dir: the directory; nothing is downloaded.
      format: "auto" (binary if present, else Python), "bin" or "python".
      label: "fine" (100 classes) or "coarse" (20 superclasses).
      seed: seed of the stratified validation slice of the 50,000 training images.
      val: validation fraction or count taken from the training file.
      as_float: float32 pixels in [0, 1] (else the raw uint8).

    Returns:
      x: [N, 32, 32, 3] (NHWC); y: int32 [N]; test = the official ``test`` file.
    """
    return _load_cifar("cifar100", data_dir, fmt=format, label=label, seed=seed, val=val,
                       as_float=as_float)


# --------------------------------------------------------------------------- IDX (MNIST)

_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _idx_dtype(path: Path, head: bytes) -> np.dtype:
    if head[:2] != b"\0\0" or head[2] not in _IDX_DTYPES or not 1 <= head[3] <= 8:
        raise ValueError(f"{path}: not an IDX file: the magic number must be 00 00 <type> <ndim> "
                         f"with type in {[hex(k) for k in _IDX_DTYPES]}, found {head[:4].hex(' ')}")
    return np.dtype(_IDX_DTYPES[head[2]])


def _read_exactly(path: Path, stream: Any, n: int, offset: int) -> bytearray:
    """Read ``n`` bytes of a (possibly gzip) stream, reporting a short read as truncation."""
    buf, got = bytearray(), 0
    try:
        while got < n:
            chunk = stream.read(min(n - got, 1 << 22))
            if not chunk:
                break
            buf += chunk
            got += len(chunk)
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise ValueError(f"{path}: truncated or corrupt gzip stream after {offset + got} "
                         f"decompressed bytes ({e}); expected {offset + n} bytes") from None
    if got < n:
        what = "decompressed bytes" if path.suffix == ".gz" else "bytes"
        raise ValueError(f"{path}: truncated IDX file: expected at least {offset + n} {what}, "
                         f"found {offset + got}")
    return buf


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (LeCun's MNIST format), plain or gzip-compressed.

    Format: a magic number ``00 00 <type> <ndim>`` (type 0x08 ubyte, 0x09 byte,
    0x0B short, 0x0C int, 0x0D float, 0x0E double), then ``ndim`` big-endian
    uint32 sizes, then the data big-endian in row-major order.

    Returns:
      an array of the file's shape, in native byte order.

    Raises:
      ValueError: naming the file and the expected and found byte counts if the
        file is shorter (or longer) than its header says; for a plain file this
        is checked from the file size before any data are read.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        head = _read_exactly(path, f, 4, 0)
        dtype, ndim = _idx_dtype(path, head), head[3]
        dims = tuple(int(d) for d in np.frombuffer(_read_exactly(path, f, 4 * ndim, 4), ">u4"))
        offset = 4 + 4 * ndim
        expected = offset + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
        if path.suffix != ".gz":
            size = path.stat().st_size
            if size != expected:
                raise ValueError(f"{path}: truncated or corrupt IDX file: header says shape "
                                 f"{dims} of {dtype.str[1:]}, expected {expected} bytes, found {size}")
        data = _read_exactly(path, f, expected - offset, offset)
        if path.suffix == ".gz" and f.read(1):
            raise ValueError(f"{path}: corrupt IDX file: header says shape {dims}, expected "
                             f"{expected} bytes (decompressed), found more")
    return np.frombuffer(data, dtype).reshape(dims).astype(dtype.newbyteorder("="))


_MNIST_FILES = {
    "train_images": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "train_labels": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "test_images": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "test_labels": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}
_MNIST_DIRS = {"mnist": ("mnist", "MNIST", "MNIST/raw"),
               "fashion_mnist": ("fashion_mnist", "fashion-mnist", "FashionMNIST", "FashionMNIST/raw")}


def _find_idx(base: Path, subdirs: Sequence[str], stem_options: Sequence[str]) -> Path | None:
    for d in (base, *(base / s for s in subdirs)):
        for stem in stem_options:
            for candidate in (d / stem, d / f"{stem}.gz"):
                if candidate.is_file():
                    return candidate
    return None


def _mnist_split(images_path: Path, labels_path: Path, as_float: bool) -> Split:
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(f"{images_path}: expected uint8 images [N, rows, cols], found "
                         f"{images.dtype} {images.shape}")
    if labels.shape != (len(images),):
        raise ValueError(f"{labels_path}: expected {len(images)} labels (one per image in "
                         f"{images_path.name}), found shape {labels.shape}")
    _check_labels(labels_path, labels, 10)
    return Split(_images_to_float(images[..., None], as_float), labels.astype(np.int32))


def _load_mnist(
    name: str, data_dir: str | Path | None, *, seed: int, val: float | int, as_float: bool
) -> Dataset:
    title = "MNIST" if name == "mnist" else "Fashion-MNIST"
    hint = (f"put the four {title} IDX files (plain or .gz) in data_dir or in data_dir/{name}: "
            + ", ".join(v[0] for v in _MNIST_FILES.values()))
    base = existing_path(name, "data_dir", data_dir, folder=True, hint=hint)
    paths = {k: _find_idx(base, _MNIST_DIRS[name], v) for k, v in _MNIST_FILES.items()}
    missing = [_MNIST_FILES[k][0] for k, p in paths.items() if p is None]
    if missing:
        raise FileNotFoundError(f"{name}: missing {', '.join(missing)} (plain or .gz) in '{base}'; {hint}")
    train = _mnist_split(paths["train_images"], paths["train_labels"], as_float)
    test = _mnist_split(paths["test_images"], paths["test_labels"], as_float)
    info = {"num_classes": 10,
            "class_names": [str(i) for i in range(10)] if name == "mnist" else FASHION_CLASSES,
            "directory": str(paths["train_images"].parent),
            "source": (f"{title} IDX files from {paths['train_images'].parent} "
                       + ("(LeCun, Cortes and Burges 1998)" if name == "mnist"
                          else "(Xiao, Rasul and Vollgraf 2017)"))}
    return _split_train(name, train, test, val=val, seed=seed, info=info)


@register("mnist")
def load_mnist(
    *, data_dir: str | Path | None = None, seed: int = 0, val: float | int = 5000,
    as_float: bool = True,
) -> Dataset:
    """MNIST handwritten digits from local IDX files: 60,000 + 10,000 grey 28x28 images.

    ``data_dir`` (or ``data_dir/mnist``, or torchvision's ``data_dir/MNIST/raw``)
    holds ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each plain or
    ``.gz``. LeCun, Cortes and Burges (1998).

    Args:
      data_dir: the directory; nothing is downloaded.
      seed: seed of the stratified validation slice of the training images.
      val: validation fraction or count taken from the training files.
      as_float: float32 pixels in [0, 1] (else the raw uint8).

    Returns:
      x: [N, 28, 28, 1]; y: int32 [N] in [0, 10); test = the ``t10k`` files.
    """
    return _load_mnist("mnist", data_dir, seed=seed, val=val, as_float=as_float)


@register("fashion_mnist")
def load_fashion_mnist(
    *, data_dir: str | Path | None = None, seed: int = 0, val: float | int = 5000,
    as_float: bool = True,
) -> Dataset:
    """Fashion-MNIST from local IDX files: 70,000 grey 28x28 images of 10 kinds of clothing.

    Same file names and format as MNIST (``data_dir``, ``data_dir/fashion_mnist``
    or ``data_dir/FashionMNIST/raw``). Xiao, Rasul and Vollgraf (2017),
    arXiv:1708.07747.

    Returns:
      x: [N, 28, 28, 1]; y: int32 [N] with class names in ``info["class_names"]``.
    """
    return _load_mnist("fashion_mnist", data_dir, seed=seed, val=val, as_float=as_float)


__all__ = ["load_cifar10", "load_cifar100", "load_fashion_mnist", "load_mnist", "read_cifar_bin", "read_idx"]
