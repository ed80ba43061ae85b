"""dlib's 128-d face descriptor as a numpy forward pass (im2col + BLAS matrix products).

The network is dlib's ``dlib_face_recognition_resnet_model_v1`` (shipped by
``face-recognition-models``): a 29-convolution ResNet on a 150 x 150 aligned face chip,

    con 7x7/2 (32) > affine > relu > max_pool 3x3/2
    > 3 x res(32) > res_down(64) + 3 x res(64) > res_down(128) + 2 x res(128)
    > res_down(256) + 2 x res(256) > res_down(256) > avg_pool_everything > fc 128 (no bias)

where ``res(N)`` is ``relu(x + affine(con3x3(relu(affine(con3x3(x))))))`` and ``res_down(N)``
is the same with a stride-2 first convolution, added to ``avg_pool 2x2/2 (x)``; when the two
branches differ in size (channels, or 3 vs 4 pixels), the smaller is zero-padded, as dlib's
``add_prev`` does. Convolutions with stride 2 have no padding, stride 1 pads by 1.

The weights are read at load time from the ``.dat`` file in dlib's own serialisation format
(no pickle, no dlib): variable-length integers (a byte ``size | 0x80 if negative`` then
``size`` little-endian bytes), floats as ``mantissa * 2**exponent`` integer pairs, strings as
a length and bytes, tensors as a version, four dimensions and raw little-endian float32. Each
layer is read in forward order and every dimension is checked against the architecture.

:func:`FaceNet.descriptor` equals ``dlib.face_recognition_model_v1.compute_face_descriptor`` on
the same chip to float32 rounding (the test pins the largest difference).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["DatReader", "FaceNet", "load_facenet", "one_blas_thread"]

CHIP = 150


class DatReader:
    """Reads dlib's serialisation primitives from a byte buffer."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def read_int(self) -> int:
        head = self.data[self.pos]
        size, neg = head & 0x0F, bool(head & 0x80)
        if size > 8 or head & 0x70:
            raise ValueError(f"bad integer header {head:#x} at {self.pos}")
        raw = self.data[self.pos + 1 : self.pos + 1 + size]
        self.pos += 1 + size
        v = int.from_bytes(raw, "little")
        return -v if neg else v

    def read_float(self) -> float:
        mantissa, exponent = self.read_int(), self.read_int()
        return float(mantissa) * 2.0**exponent

    def read_string(self) -> str:
        n = self.read_int()
        s = self.data[self.pos : self.pos + n]
        self.pos += n
        return s.decode("ascii")

    def read_tensor(self) -> np.ndarray:
        version = self.read_int()
        if version != 2:
            raise ValueError(f"tensor version {version} at {self.pos}")
        shape = tuple(self.read_int() for _ in range(4))
        n = int(np.prod(shape))
        out = np.frombuffer(self.data, dtype="<f4", count=n, offset=self.pos).reshape(shape)
        self.pos += 4 * n
        return out

    def read_alias(self) -> tuple[int, int, int, int]:
        version = self.read_int()
        if version != 1:
            raise ValueError(f"alias_tensor version {version} at {self.pos}")
        return (self.read_int(), self.read_int(), self.read_int(), self.read_int())

    def seek_layer(self, name: str, window: int = 4096) -> None:
        """Move to the next serialised layer string ``name`` (past the wrapper's bookkeeping)."""
        pat = re.compile(re.escape(bytes([1, len(name)]) + name.encode()))
        m = pat.search(self.data, self.pos, self.pos + window)
        if m is None:
            raise ValueError(f"layer {name!r} not found after {self.pos}")
        self.pos = m.start()


@dataclass(frozen=True, slots=True)
class _Conv:
    w: np.ndarray  # (nr * nc * k, filters): dlib's (k, nr, nc) rows reordered to (nr, nc, k)
    b: np.ndarray  # (filters,)
    size: int
    stride: int
    pad: int


@dataclass(frozen=True, slots=True)
class _Affine:
    gamma: np.ndarray
    beta: np.ndarray


def _read_conv(r: DatReader, filters: int, k: int, size: int, stride: int) -> _Conv:
    r.seek_layer("con_4")
    r.read_string()
    params = r.read_tensor().ravel()
    got = [r.read_int() for _ in range(7)]  # num_filters, nr, nc, stride_y, stride_x, padding_y, padding_x
    pad = 0 if stride != 1 else size // 2
    if got != [filters, size, size, stride, stride, pad, pad]:
        raise ValueError(f"con_ layer {got} is not ({filters}, {size}x{size}/{stride}, pad {pad})")
    fshape, bshape = r.read_alias(), r.read_alias()
    if fshape != (filters, k, size, size) or bshape[0] * bshape[1] != filters:
        raise ValueError(f"con_ tensors {fshape} {bshape}")
    nw = filters * k * size * size
    if params.size != nw + filters:
        raise ValueError(f"con_ params {params.size} != {nw + filters}")
    # dlib stores (filters, k, nr, nc); the im2col below lays a patch out as (nr, nc, k).
    w = params[:nw].reshape(filters, k, size, size).transpose(2, 3, 1, 0).reshape(size * size * k, filters).copy()
    return _Conv(w=w, b=params[nw:].copy(), size=size, stride=stride, pad=pad)


def _read_affine(r: DatReader, k: int) -> _Affine:
    r.seek_layer("affine_")
    r.read_string()
    params = r.read_tensor().ravel()
    g, b = r.read_alias(), r.read_alias()
    mode = r.read_int()
    if params.size != 2 * k or g[1] != k or b[1] != k or mode != 0:
        raise ValueError(f"affine_ layer: {params.size} params, {g} {b}, mode {mode}; expected {k} channels")
    return _Affine(gamma=params[:k].copy(), beta=params[k:].copy())


def _expect(r: DatReader, name: str, ints: list[int] | None = None) -> None:
    r.seek_layer(name)
    r.read_string()
    if ints is not None:
        got = [r.read_int() for _ in ints]
        if got != ints:
            raise ValueError(f"{name}: {got} != {ints}")


#: (filters, downsampling) of every residual block, in forward order.
_BLOCKS: tuple[tuple[int, bool], ...] = (
    *((32, False),) * 3,
    (64, True),
    *((64, False),) * 3,
    (128, True),
    *((128, False),) * 2,
    (256, True),
    *((256, False),) * 2,
    (256, True),
)


class FaceNet:
    """The forward pass, weights read from ``dlib_face_recognition_resnet_model_v1.dat``."""

    def __init__(self, path: Path | str) -> None:
        try:
            self._read(DatReader(Path(path).read_bytes()))
        except IndexError as exc:  # ran off the end of the buffer
            raise ValueError(f"truncated model file {path}") from exc

    def _read(self, r: DatReader) -> None:
        if r.read_int() != 1 or r.read_string() != "loss_metric_2":
            raise ValueError("not a dlib loss_metric network")
        r.seek_layer("input_rgb_image_sized")
        r.read_string()
        self.mean = np.array([r.read_float(), r.read_float(), r.read_float()], dtype=np.float32)
        if [r.read_int(), r.read_int()] != [CHIP, CHIP]:
            raise ValueError("input is not 150 x 150")
        self.stem = _read_conv(r, 32, 3, 7, 2)
        self.stem_bn = _read_affine(r, 32)
        _expect(r, "relu_")
        _expect(r, "max_pool_2", [3, 3, 2, 2, 0, 0])
        self.blocks: list[tuple[_Conv, _Affine, _Conv, _Affine, bool]] = []
        k = 32
        for n, down in _BLOCKS:
            c1 = _read_conv(r, n, k, 3, 2 if down else 1)
            a1 = _read_affine(r, n)
            _expect(r, "relu_")
            c2 = _read_conv(r, n, n, 3, 1)
            a2 = _read_affine(r, n)
            if down:
                _expect(r, "avg_pool_2", [2, 2, 2, 2, 0, 0])
            _expect(r, "add_prev_")
            _expect(r, "relu_")
            self.blocks.append((c1, a1, c2, a2, down))
            k = n
        _expect(r, "avg_pool_2", [0, 0, 1, 1, 0, 0])
        r.seek_layer("fc_2")
        r.read_string()
        n_out, n_in = r.read_int(), r.read_int()
        params = r.read_tensor().ravel()
        if (n_out, n_in) != (128, 256) or params.size != 128 * 256:
            raise ValueError(f"fc_: {n_out} x {n_in}, {params.size} params")
        self.fc = params.reshape(256, 128).copy()

    # -- layers (channels last: (H, W, C)) --------------------------------------------------
    @staticmethod
    def _conv(x: np.ndarray, c: _Conv) -> np.ndarray:
        if c.pad:
            x = np.pad(x, ((c.pad, c.pad), (c.pad, c.pad), (0, 0)))
        h, w, k = x.shape
        ho, wo = (h - c.size) // c.stride + 1, (w - c.size) // c.stride + 1
        # im2col by slices: one strided copy per filter tap, patches laid out (nr, nc, k).
        cols = np.empty((ho, wo, c.size, c.size, k), dtype=x.dtype)
        span_y, span_x = c.stride * (ho - 1) + 1, c.stride * (wo - 1) + 1
        for i in range(c.size):
            for j in range(c.size):
                cols[:, :, i, j, :] = x[i : i + span_y : c.stride, j : j + span_x : c.stride, :]
        out: np.ndarray = cols.reshape(ho * wo, -1) @ c.w
        out += c.b
        return out.reshape(ho, wo, -1)

    @staticmethod
    def _affine(x: np.ndarray, a: _Affine) -> np.ndarray:
        x *= a.gamma
        x += a.beta
        return x

    @staticmethod
    def _add_padded(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.shape == b.shape:
            same: np.ndarray = a + b
            return same
        shape = tuple(max(p, q) for p, q in zip(a.shape, b.shape, strict=True))
        out = np.zeros(shape, dtype=a.dtype)
        out[: a.shape[0], : a.shape[1], : a.shape[2]] += a
        out[: b.shape[0], : b.shape[1], : b.shape[2]] += b
        return out

    @staticmethod
    def _pool(x: np.ndarray, size: int, stride: int, op: str) -> np.ndarray:
        win = sliding_window_view(x, (size, size), axis=(0, 1))[::stride, ::stride]
        out: np.ndarray = win.max(axis=(3, 4)) if op == "max" else win.mean(axis=(3, 4), dtype=x.dtype)
        return out

    def descriptor(self, chip: np.ndarray) -> np.ndarray:
        """The 128-d descriptor of one aligned 150 x 150 RGB chip (uint8, as ``dlib.get_face_chip`` returns)."""
        if chip.shape != (CHIP, CHIP, 3):
            raise ValueError(f"chip must be {CHIP} x {CHIP} x 3, not {chip.shape}")
        with one_blas_thread():
            return self._forward(chip)

    def _forward(self, chip: np.ndarray) -> np.ndarray:
        x = (chip.astype(np.float32) - self.mean) / np.float32(256.0)
        x = self._affine(self._conv(x, self.stem), self.stem_bn)
        np.maximum(x, 0, out=x)
        x = self._pool(x, 3, 2, "max")
        for c1, a1, c2, a2, down in self.blocks:
            y = self._affine(self._conv(x, c1), a1)
            np.maximum(y, 0, out=y)
            y = self._affine(self._conv(y, c2), a2)
            skip = self._pool(x, 2, 2, "mean") if down else x
            x = self._add_padded(y, skip)
            np.maximum(x, 0, out=x)
        v = x.reshape(-1, x.shape[2]).mean(axis=0, dtype=np.float32)
        out: np.ndarray = v @ self.fc
        return out.astype(np.float32)


_LOCK = threading.Lock()
_NETS: dict[str, FaceNet] = {}
_BLAS: list[Any] | None = None


def _blas_libs() -> list[Any]:
    global _BLAS
    if _BLAS is None:
        try:
            from threadpoolctl import ThreadpoolController  # comes with scikit-learn
        except ImportError:  # pragma: no cover
            _BLAS = []
        else:
            _BLAS = [lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"]
    return _BLAS


_BLAS_LOCK = threading.Lock()
_BLAS_STATE: dict[str, Any] = {"depth": 0, "before": []}


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run BLAS on one thread inside the block (a few microseconds; threadpoolctl's own context costs ~0.1 ms).

    The products here are small: spreading them over threads costs more than it saves, and on
    a loaded machine (or in the scan's one-process-per-core pool) it costs a great deal. The
    setting is process-wide, so nested and concurrent blocks share one count: the first sets
    one thread, the last restores what was there.
    """
    libs = _blas_libs()
    with _BLAS_LOCK:
        if _BLAS_STATE["depth"] == 0:
            _BLAS_STATE["before"] = [lib.get_num_threads() for lib in libs]
            for lib in libs:
                lib.set_num_threads(1)
        _BLAS_STATE["depth"] += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_STATE["depth"] -= 1
            if _BLAS_STATE["depth"] == 0:
                for lib, n in zip(libs, _BLAS_STATE["before"], strict=True):
                    lib.set_num_threads(n)


def load_facenet(path: Path | str) -> FaceNet:
    """The network of ``path``, read once per process."""
    key = str(path)
    with _LOCK:
        if key not in _NETS:
            _NETS[key] = FaceNet(path)
        return _NETS[key]
