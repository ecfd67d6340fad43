"""A restricted unpickler for data files (the Python version of CIFAR): data only, never code.

``pickle.load`` calls whatever callable a file names, so a pickle can run any code
(``os.system`` through ``__reduce__``). :func:`restricted_load` resolves no global
except numpy's own array reconstruction, and checks that what it built is nothing
but arrays, lists, tuples, dicts, strings, bytes and numbers.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np

# At pickle protocols 2-4 (the CIFAR batches are Python 2, protocol 2) numpy
# pickles an array as ``_reconstruct(ndarray, (0,), b"b")`` followed by
# ``__setstate__((version, shape, dtype, is_fortran, raw_bytes))``, and the dtype
# as ``dtype("u1", False, True)`` plus ``__setstate__``. Those three globals are
# all an array needs; the function is taken from numpy itself so that both its
# old (``numpy.core``) and new (``numpy._core``) module paths resolve to it
# without importing the deprecated module. Protocol 5 (``_frombuffer``) and
# Python 3's protocol-2 bytes (``_codecs.encode``) name other globals: refused.
_RECONSTRUCT = np.ndarray.__reduce__(np.zeros(1))[0]


class _NdarrayName:
    """Stands for ``numpy.ndarray`` as an argument; calling it (allocating at will) is refused."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise pickle.UnpicklingError("calling numpy.ndarray directly is refused")


def _reconstruct(subtype: Any, shape: Any, typecode: Any) -> np.ndarray:
    # The only call numpy writes is _reconstruct(ndarray, (0,), b'b'): an empty
    # array that __setstate__ then fills (and sizes) from the file's bytes.
    if subtype is not _NdarrayName or tuple(shape) != (0,):
        raise pickle.UnpicklingError(
            f"numpy _reconstruct with subtype {subtype!r} and shape {shape!r}; expected "
            "(numpy.ndarray, (0,)) as numpy writes it")
    return _RECONSTRUCT(np.ndarray, (0,), typecode)


def _dtype(*args: Any) -> np.dtype:
    dt = np.dtype(*args)
    if dt.hasobject:
        raise pickle.UnpicklingError(f"object dtype {dt!r} is not data; refused")
    return dt


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): _NdarrayName,
    ("numpy", "dtype"): _dtype,
}
_DATA_TYPES = (dict, list, tuple, str, bytes, int, float, bool, type(None), np.ndarray)


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler whose ``find_class`` refuses every global but numpy's array reconstruction."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"global '{module}.{name}' is refused: a data pickle may hold only arrays, "
                "lists, dicts, strings and numbers (this one would call code)") from None

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError(f"persistent id {pid!r} is refused")


def _check_data(obj: Any, seen: set[int]) -> None:
    """Raise TypeError unless ``obj`` is built only of data types (shared objects checked once)."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if type(obj) not in _DATA_TYPES:
        raise TypeError(f"found an object of type {type(obj).__name__}; expected only arrays, "
                        "lists, tuples, dicts, strings, bytes and numbers")
    if isinstance(obj, np.ndarray) and (obj.dtype.hasobject or obj.dtype.kind not in "biufcSUV"):
        raise TypeError(f"found an array of dtype {obj.dtype}; expected numbers or strings")
    children = (obj.items() if isinstance(obj, dict) else obj) if isinstance(obj, dict | list | tuple) else ()
    for child in children:
        _check_data(child, seen)


def _decode_keys(obj: Any) -> Any:
    """Python 2 pickles read with ``encoding="bytes"`` have bytes dict keys; make them str."""
    if isinstance(obj, dict):
        return {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in obj.items()}
    return obj


def restricted_load(path: str | Path) -> Any:
    """Unpickle a *data* file: arrays, lists, tuples, dicts, strings, bytes and numbers only.

    Python 2 pickles (as the CIFAR Python batches are) are read with
    ``encoding="bytes"``: their strings come back as ``bytes`` and top-level dict
    keys are decoded to ``str``.

    Raises:
      ValueError: naming the file, if the pickle names any global other than
        numpy's array reconstruction (e.g. ``os.system`` through ``__reduce__``),
        holds any other type, or is corrupt.
    """
    path = Path(path)
    data = path.read_bytes()
    try:
        obj = RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()
        _check_data(obj, set())
    except (pickle.UnpicklingError, TypeError) as e:
        raise ValueError(f"{path}: refused to unpickle: {e}") from None
    except (EOFError, ValueError, IndexError, KeyError, AttributeError) as e:
        raise ValueError(f"{path}: not a readable pickle ({len(data)} bytes): "
                         f"{type(e).__name__}: {e}") from None
    return _decode_keys(obj)


__all__ = ["RestrictedUnpickler", "restricted_load"]
