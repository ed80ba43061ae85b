"""The only place that decodes images.

Every image, whoever made it, is read through :func:`load_image`: a format allowlist (JPEG,
PNG, GIF, WebP) checked on the magic bytes, a byte cap, Pillow's decompression-bomb limit
raised as an error (never a warning), EXIF orientation applied, the first frame of an
animation, and JPEG draft mode so that big photos are decoded at reduced scale.

Refusals raise :class:`~profilecheck.errors.MediaError` with a stable ``reason`` code:
``empty``, ``too_large``, ``unsupported_format``, ``too_many_pixels``, ``truncated``,
``corrupt``.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from profilecheck.errors import MediaError

__all__ = ["ALLOWED_FORMATS", "DEFAULT_MAX_BYTES", "DEFAULT_MAX_PIXELS", "ImageInfo", "load_image", "sniff_format"]

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000  # about 6300 x 6300; Pillow's own default is 89.5 M

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
)


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
    draft_size: tuple[int, int] | None = None,
    name: str = "<bytes>",
) -> tuple[Image.Image, ImageInfo]:
    """Decode ``data`` safely into an RGB image.

    Args:
        data: the encoded file.
        max_bytes: refuse files larger than this.
        max_pixels: refuse images whose header declares more pixels than this.
        draft_size: for JPEG, let libjpeg decode at a reduced scale no smaller than this.
        name: how to name the input in errors (a path or URL).

    Returns:
        The decoded RGB image (orientation applied, first frame) and facts about the original.
    """
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
            img = Image.open(io.BytesIO(data), formats=[fmt])
            width, height = img.size
            if width * height > max_pixels:
                raise MediaError(
                    f"{name}: {width}x{height} is over the {max_pixels} pixel limit",
                    reason="too_many_pixels",
                    path=name,
                )
            frames = int(getattr(img, "n_frames", 1) or 1) if fmt in ("GIF", "WEBP") else 1
            if fmt == "JPEG" and draft_size is not None:
                img.draft("RGB", draft_size)
            img.load()  # first frame only for animations
            turned = ImageOps.exif_transpose(img) or img
            out = turned.convert("RGB")
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaError(f"{name}: decompression bomb ({exc})", reason="too_many_pixels", path=name) from exc
    except UnidentifiedImageError as exc:
        raise MediaError(f"{name}: cannot identify image", reason="corrupt", path=name) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        reason = "truncated" if "truncated" in str(exc).lower() else "corrupt"
        raise MediaError(f"{name}: {reason} image ({exc})", reason=reason, path=name) from exc
    return out, ImageInfo(format=fmt, width=width, height=height, frames=frames)
