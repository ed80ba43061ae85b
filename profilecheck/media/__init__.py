"""The only place that decodes images.

Every image, whoever made it, is read through :func:`load_image`: a format allowlist (JPEG,
PNG, GIF, WebP) checked on the magic bytes, a byte cap, Pillow's decompression-bomb limit
raised as an error (never a warning), a cap on the pixels actually decoded (so that decoding
stays within a memory budget), a cap on animation frames counted without decoding them, a
CPU-time deadline checked on every read the parser makes, EXIF orientation applied, the first
frame of an animation, and JPEG draft mode so that big photos are decoded at reduced scale.
Face detection and alignment (:mod:`profilecheck.media.faces`), perceptual signatures
(:mod:`profilecheck.media.signature`) and the same-photograph verifier
(:mod:`profilecheck.media.verify`) work on what :func:`load_image` returns.

Refusals raise :class:`~profilecheck.errors.MediaError` with a stable ``reason`` code:
``empty``, ``too_large``, ``unsupported_format``, ``too_many_pixels``, ``too_many_frames``,
``too_slow``, ``truncated``, ``corrupt``.

Memory: the decoded pixels are held at most twice (the decoded frame and its RGB copy, four
bytes a pixel each in Pillow), so ``max_decoded_pixels`` of 20 M bounds a decode at about
160 MB; JPEGs decoded in draft mode count at their reduced size.
"""

from __future__ import annotations

import io
import time
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from profilecheck.errors import MediaError

__all__ = [
    "ALLOWED_FORMATS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DECODED_PIXELS",
    "DEFAULT_MAX_FRAMES",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_MAX_SECONDS",
    "REASONS",
    "ImageInfo",
    "load_image",
    "sniff_format",
]

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000  # declared size; about 6300 x 6300; Pillow's own default is 89.5 M
DEFAULT_MAX_DECODED_PIXELS = 20_000_000  # what is really decoded (after JPEG draft reduction)
DEFAULT_MAX_FRAMES = 1000
DEFAULT_MAX_SECONDS = 1.0  # CPU seconds of the decoding thread

#: Every reason a refusal can carry.
REASONS = frozenset(
    {
        "empty",
        "too_large",
        "unsupported_format",
        "too_many_pixels",
        "too_many_frames",
        "too_slow",
        "truncated",
        "corrupt",
    }
)

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
)

# EXIF orientation -> the transpose that undoes it (the table ImageOps.exif_transpose uses).
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def sniff_format(data: bytes) -> str | None:
    """Name the format from the magic bytes, or None when it is not an allowed one.

    >>> sniff_format(b"\\x89PNG\\r\\n\\x1a\\n....")
    'PNG'
    >>> sniff_format(b"<svg") is None
    True
    """
    for magic, fmt in _MAGIC:
        if data.startswith(magic):
            return fmt
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


class _Deadline(Exception):
    """Raised from inside Pillow's reads when the CPU-time budget is spent."""


class _DeadlineReader(io.BytesIO):
    """A BytesIO that refuses to go on reading once the decoding thread has used its CPU budget.

    Pillow's parsers walk chunks, segments and GIF sub-blocks in Python, one ``read`` at a time,
    and feed the C decoders from ``read`` too: checking the clock there bounds every format's
    pathological structure (say, millions of one-byte GIF comment blocks) without a thread or
    a process per image.

    The clock (a system call, ~0.7 us) is read on every read of more than ``SMALL`` bytes (the
    decoders' feeds) and on every ``EVERY``-th small one: a JPEG header makes ~35 reads of a few
    bytes, whose clock reads were 5% of a 1/8-scale decode; a loop of small reads still meets
    the clock within ``EVERY`` of them, having parsed at most ``EVERY * SMALL`` bytes.
    """

    SMALL = 1024
    EVERY = 16

    def __init__(self, data: bytes, seconds: float) -> None:
        super().__init__(data)
        self._until = time.thread_time() + seconds
        self._small = 0

    def read(self, size: int | None = -1, /) -> bytes:
        if size is None or size < 0 or size > self.SMALL or self._small >= self.EVERY:
            self._small = 0
            if time.thread_time() > self._until:
                raise _Deadline
        else:
            self._small += 1
        return super().read(size)


def _count_frames(img: Image.Image, fmt: str, cap: int) -> int:
    """Frames in an animation, counting at most ``cap + 1`` of them (no decoding)."""
    if fmt == "WEBP":
        return int(getattr(img, "n_frames", 1) or 1)  # read from the container header
    if fmt != "GIF":
        return 1
    # GifImageFile.n_frames would walk the whole file; step through frame headers up to the cap.
    seek = getattr(img, "_seek", None)
    if seek is None:  # pragma: no cover - a future Pillow without the private seek
        return int(getattr(img, "n_frames", 1) or 1)
    current = img.tell()
    n = 1
    try:
        while n <= cap:
            seek(n, False)
            n += 1
    except EOFError:
        pass
    finally:
        img.seek(current)
    return n


@dataclass(frozen=True, slots=True)
class ImageInfo:
    format: str
    width: int  # of the stored original, before draft reduction
    height: int
    frames: int


def load_image(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_decoded_pixels: int = DEFAULT_MAX_DECODED_PIXELS,
    max_frames: int = DEFAULT_MAX_FRAMES,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    draft_size: tuple[int, int] | None = None,
    name: str = "<bytes>",
    mode: str = "RGB",
) -> tuple[Image.Image, ImageInfo]:
    """Decode ``data`` safely into an RGB (or grayscale) image.

    Args:
        data: the encoded file.
        max_bytes: refuse files larger than this.
        max_pixels: refuse images whose header declares more pixels than this.
        max_decoded_pixels: refuse images that would decode to more pixels than this (JPEGs
            count at their draft-reduced size).
        max_frames: refuse animations with more frames than this.
        max_seconds: refuse files whose parsing and decoding take more CPU time than this.
        draft_size: for JPEG, let libjpeg decode at a reduced scale no smaller than this.
        name: how to name the input in errors (a path or URL).
        mode: ``"RGB"``, or ``"L"`` for grayscale: a colour JPEG then has libjpeg decode its
            luma only (no chroma upsampling or colour conversion: about a tenth less CPU at
            1/8 draft scale). Luma is the JPEG's own Y channel, which can differ by a level or
            so from Pillow's RGB-to-L conversion of the RGB decode.

    Returns:
        The decoded image in ``mode`` (orientation applied, first frame) and facts about the original.

    Example:
        >>> load_image(b"GIF89a")
        Traceback (most recent call last):
        ...
        profilecheck.errors.MediaError: <bytes>: cannot identify image
    """
    if mode not in ("RGB", "L"):
        raise ValueError(f"mode must be 'RGB' or 'L', not {mode!r}")
    if not data:
        raise MediaError(f"{name}: empty file", reason="empty", path=name)
    if len(data) > max_bytes:
        raise MediaError(f"{name}: {len(data)} bytes is over the {max_bytes} byte cap", reason="too_large", path=name)
    fmt = sniff_format(data)
    if fmt is None:
        raise MediaError(f"{name}: not a JPEG, PNG, GIF or WebP file", reason="unsupported_format", path=name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(_DeadlineReader(data, max_seconds), formats=[fmt])
            width, height = img.size
            if width * height > max_pixels:
                raise MediaError(
                    f"{name}: {width}x{height} is over the {max_pixels} pixel limit",
                    reason="too_many_pixels",
                    path=name,
                )
            frames = _count_frames(img, fmt, max_frames) if fmt in ("GIF", "WEBP") else 1
            if frames > max_frames:
                raise MediaError(
                    f"{name}: animation has more than {max_frames} frames", reason="too_many_frames", path=name
                )
            if fmt == "JPEG" and (draft_size is not None or mode == "L"):
                img.draft(mode, draft_size or img.size)  # "L": libjpeg outputs the luma of a colour JPEG
            dw, dh = img.size
            if dw * dh > max_decoded_pixels:
                raise MediaError(
                    f"{name}: {width}x{height} would decode to {dw}x{dh}, over the {max_decoded_pixels} "
                    "decoded-pixel limit",
                    reason="too_many_pixels",
                    path=name,
                )
            orientation = img.getexif().get(0x0112)
            img.load()  # first frame only for animations
            if mode == "L" and img.mode == "L":  # a grayscale JPEG, or libjpeg's luma of a colour one
                out = img.copy()
            else:
                out = img.convert("RGB")  # every mode converts to RGB
                if mode == "L":
                    out = out.convert("L")  # as signature() converts an RGB photo
            img.close()
            del img
            method = _ORIENTATION.get(orientation) if isinstance(orientation, int) else None
            if method is not None:
                out = out.transpose(method)
    except MediaError:
        raise
    except _Deadline:
        raise MediaError(
            f"{name}: decoding took more than {max_seconds} s of CPU", reason="too_slow", path=name
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaError(f"{name}: decompression bomb ({exc})", reason="too_many_pixels", path=name) from exc
    except MemoryError as exc:
        raise MediaError(f"{name}: out of memory while decoding", reason="too_many_pixels", path=name) from exc
    except UnidentifiedImageError as exc:
        raise MediaError(f"{name}: cannot identify image", reason="corrupt", path=name) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        reason = "truncated" if "truncated" in str(exc).lower() else "corrupt"
        raise MediaError(f"{name}: {reason} image ({exc})", reason=reason, path=name) from exc
    except Exception as exc:
        raise MediaError(f"{name}: corrupt image ({type(exc).__name__}: {exc})", reason="corrupt", path=name) from exc
    return out, ImageInfo(format=fmt, width=width, height=height, frames=frames)
