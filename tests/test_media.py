"""The safe decoder refuses what it must, with a typed reason."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from profilecheck.errors import MediaError
from profilecheck.media import load_image


def _png(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (10, 20, 30)).save(buf, "PNG")
    return buf.getvalue()


def _jpeg(w: int, h: int, **kw: object) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (200, 20, 30)).save(buf, "JPEG", **kw)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "unsupported_format"),
        (b"BM" + b"\0" * 100, "unsupported_format"),
        (_jpeg(64, 64)[:200], "truncated"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "truncated"),
        (b"GIF89a" + b"\xff" * 40, "corrupt"),
    ],
)
def test_refusals(data: bytes, reason: str) -> None:
    """Each bad input gets its stable reason code."""
    with pytest.raises(MediaError) as info:
        load_image(data, name="upload.jpg")
    assert reason == info.value.reason
    assert "upload.jpg" in str(info.value)


def test_pixel_limit_is_an_error() -> None:
    """A declared size over the pixel limit is refused before decoding."""
    with pytest.raises(MediaError) as info:
        load_image(_png(300, 300), max_pixels=300 * 299)
    assert "too_many_pixels" == info.value.reason


def test_byte_cap() -> None:
    """Files over the byte cap are refused."""
    with pytest.raises(MediaError) as info:
        load_image(_png(10, 10), max_bytes=10)
    assert "too_large" == info.value.reason


def test_exif_orientation_applied() -> None:
    """A photo tagged 'rotate 90' comes out rotated."""
    img = Image.new("RGB", (40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    out, info = load_image(buf.getvalue())
    assert (20, 40) == out.size
    assert (40, 20) == (info.width, info.height)


def test_draft_mode_decodes_small() -> None:
    """Big JPEGs decode at reduced scale when a draft size is given."""
    out, info = load_image(_jpeg(1600, 1600), draft_size=(256, 256))
    assert (1600, 1600) == (info.width, info.height)
    assert out.size[0] <= 400


def test_first_frame_of_animation() -> None:
    """Animated GIFs give their first frame and a frame count."""
    frames = [Image.new("RGB", (8, 8), (i * 40, 0, 0)) for i in range(5)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    out, info = load_image(buf.getvalue())
    assert 5 == info.frames
    assert "RGB" == out.mode


def test_webp_allowed() -> None:
    """WebP is on the allowlist."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 12), (1, 2, 3)).save(buf, "WEBP")
    out, info = load_image(buf.getvalue())
    assert ("WEBP", (16, 12)) == (info.format, out.size)


def test_grayscale_mode() -> None:
    """mode="L": a colour JPEG's luma (within a level of RGB-to-L), other formats exactly RGB-to-L, EXIF applied."""
    import numpy as np

    rng = np.random.default_rng(3)
    rgb = Image.fromarray(rng.integers(0, 256, (64, 96, 3), dtype=np.uint8)).resize((800, 600))
    buf = io.BytesIO()
    rgb.save(buf, "JPEG", quality=90)
    luma, info = load_image(buf.getvalue(), draft_size=(64, 64), mode="L")
    ref, _ = load_image(buf.getvalue(), draft_size=(64, 64))
    assert "L" == luma.mode and ref.size == luma.size == (100, 75) and (800, 600) == (info.width, info.height)
    assert np.abs(np.asarray(luma, dtype=int) - np.asarray(ref.convert("L"), dtype=int)).max() <= 1
    png = io.BytesIO()
    rgb.save(png, "PNG")
    out, _ = load_image(png.getvalue(), mode="L")
    assert np.array_equal(np.asarray(out), np.asarray(load_image(png.getvalue())[0].convert("L")))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: the decoder turns it upright
    rot = io.BytesIO()
    rgb.save(rot, "JPEG", exif=exif)
    assert (75, 100) == load_image(rot.getvalue(), draft_size=(64, 64), mode="L")[0].size
    with pytest.raises(ValueError, match="mode"):
        load_image(buf.getvalue(), mode="RGBA")
