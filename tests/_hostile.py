"""Hostile inputs made by the tests themselves: malformed images, pixel bombs, nasty records.

Everything here is generated in memory from a few valid images, deterministically, so the
battery needs no fixture files and the fuzzers can be seeded from the same corpus.
"""

from __future__ import annotations

import io
import struct
import zlib
from functools import cache

from PIL import Image

MIB = 1024 * 1024


def _save(img: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _face(size: int = 64) -> Image.Image:
    img = Image.new("RGB", (size, size), (200, 160, 120))
    for y in range(size):
        for x in range(0, size, 3):
            img.putpixel((x, y), ((x * 7) % 256, (y * 5) % 256, (x * y) % 256))
    return img


@cache
def valid_images() -> dict[str, bytes]:
    """One small valid file per allowed format (the seeds every malformed file starts from)."""
    face = _face()
    return {
        "jpeg": _save(face, "JPEG", quality=85),
        "jpeg_progressive": _save(face, "JPEG", quality=85, progressive=True),
        "png": _save(face, "PNG"),
        "gif": _save(face.convert("P"), "GIF"),
        "webp": _save(face, "WEBP", quality=80),
    }


def _zeros_z(n: int) -> bytes:
    """zlib stream of ``n`` zero bytes (a few KB), built without holding ``n`` bytes."""
    comp = zlib.compressobj(9)
    block = b"\0" * MIB
    return b"".join([*(comp.compress(block) for _ in range(n // MIB)), comp.flush()])


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)


def png_header_only(width: int, height: int, *, idat: bytes | None = None) -> bytes:
    """A PNG whose IHDR declares ``width x height`` (grey, 8 bit) with a tiny or given IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = idat if idat is not None else zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", body) + png_chunk(b"IEND", b"")


def png_zero_bomb(width: int, height: int) -> bytes:
    """A real PNG of ``width x height`` black grey pixels: a few KB that inflate to w*h bytes."""
    row = b"\0" * (width + 1)
    comp = zlib.compressobj(9)
    parts = [comp.compress(row) for _ in range(height)]
    parts.append(comp.flush())
    return png_header_only(width, height, idat=b"".join(parts))


def gif_header_only(width: int, height: int) -> bytes:
    """A GIF whose logical screen and single frame declare ``width x height``."""
    head = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00"
    return head + frame + b"\x3b"


def gif_animation(frames: int, size: int = 4) -> bytes:
    """A GIF with ``frames`` tiny frames, written by hand (Pillow would take seconds)."""
    head = b"GIF89a" + struct.pack("<HHBBB", size, size, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    # each frame: a graphic control extension (delay 1) and a 2x2 image of colour 0, the classic
    # hand-written LZW block "\x02\x02\x44\x01\x00"
    frame_img = b"\x2c" + struct.pack("<HHHHB", 0, 0, 2, 2, 0) + b"\x02\x02\x44\x01\x00"
    gce = b"\x21\xf9\x04\x08\x01\x00\x00\x00"
    return head + loop + (gce + frame_img) * frames + b"\x3b"


def jpeg_with_app_segments(count: int, size: int = 65533, marker: int = 0xE1) -> bytes:
    """A valid JPEG with ``count`` APPn (or COM) segments of ``size`` payload bytes after SOI."""
    base = valid_images()["jpeg"]
    seg = bytes([0xFF, marker]) + struct.pack(">H", size + 2) + b"A" * size
    return base[:2] + seg * count + base[2:]


def png_with_chunk(kind: bytes, payload: bytes, *, before_idat: bool = True) -> bytes:
    base = valid_images()["png"]
    cut = base.index(b"IDAT") - 4 if before_idat else base.index(b"IEND") - 4
    return base[:cut] + png_chunk(kind, payload) + base[cut:]


def webp_with_chunk(kind: bytes, payload: bytes) -> bytes:
    """A WebP (extended format, VP8X) carrying an extra chunk such as EXIF or XMP."""
    base = valid_images()["webp"]
    body = base[12:]
    flags = 0x08 if kind == b"EXIF" else 0x04 if kind == b"XMP " else 0
    img = Image.open(io.BytesIO(base))
    w, h = img.size
    vp8x = b"VP8X" + struct.pack("<I", 10) + bytes([flags, 0, 0, 0]) + (w - 1).to_bytes(3, "little")
    vp8x += (h - 1).to_bytes(3, "little")
    pad = b"\0" if len(payload) % 2 else b""
    extra = kind + struct.pack("<I", len(payload)) + payload + pad
    riff = b"WEBP" + vp8x + body + extra
    return b"RIFF" + struct.pack("<I", len(riff)) + riff


def _other_formats() -> dict[str, bytes]:
    """Files in formats outside the allowlist (every one of them would be renamed ``.jpg``)."""
    face = _face(32)
    out = {
        "bmp": _save(face, "BMP"),
        "tiff": _save(face, "TIFF"),
        "tiff_deflate": _save(face, "TIFF", compression="tiff_deflate"),
        "ico": _save(face, "ICO"),
        "pcx": _save(face, "PCX"),
        "ppm": _save(face, "PPM"),
        "tga": _save(face, "TGA"),
        "pdf": _save(face, "PDF"),
        "jpeg2000": _save(face, "JPEG2000"),
        "dds": _save(face, "DDS"),
        "icns": _save(face.resize((128, 128)), "ICNS"),
        "qoi": _save(face, "QOI"),
        "psd": b"8BPS\x00\x01" + b"\0" * 6 + struct.pack(">HIIHH", 3, 32, 32, 8, 3) + b"\0" * 64,
        "svg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        "svg_xxe": (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg">&x;</svg>'
        ),
        "heic": b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 64,
        "avif": b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf" + b"\0" * 64,
        "eps": b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n",
        "html": b"<!doctype html><html><body><img src=x onerror=alert(1)></body></html>",
        "zip": b"PK\x03\x04" + b"\0" * 60,
        "elf": b"\x7fELF\x02\x01\x01" + b"\0" * 60,
        "gzip": b"\x1f\x8b\x08\x00" + b"\0" * 60,
        "text": b"just some text pretending to be a photo\n",
        "utf16_bom": "\ufeffnot an image".encode("utf-16"),
    }
    return out


def gif_comment_blocks(blocks: int) -> bytes:
    """A valid GIF carrying one comment made of ``blocks`` one-byte sub-blocks (slow to parse)."""
    g = valid_images()["gif"]
    i = g.index(b"\x2c")
    return g[:i] + b"\x21\xfe" + b"\x01c" * blocks + b"\0" + g[i:]


@cache
def malformed_images() -> dict[str, bytes]:
    """At least 60 named hostile image files (see the test module for what each must give)."""
    good = valid_images()
    out: dict[str, bytes] = {"zero_bytes": b"", "one_byte": b"\xff", "nul_kb": b"\0" * 1024}
    for fmt, data in good.items():
        n = len(data)
        for cut in sorted({1, 3, 8, 16, 40, n // 4, n // 2, (3 * n) // 4, n - 2}):
            out[f"{fmt}_truncated_at_{cut}"] = data[:cut]
    # wrong magic: the right body behind the wrong signature, and the other way round
    out["jpeg_bad_magic"] = b"\xff\xd9\xff" + good["jpeg"][3:]
    out["png_bad_magic"] = b"\x89PNX\r\n\x1a\n" + good["png"][8:]
    out["webp_bad_fourcc"] = good["webp"][:8] + b"WEBX" + good["webp"][12:]
    out["png_body_gif_magic"] = b"GIF89a" + good["png"][6:]
    out["jpeg_body_png_magic"] = b"\x89PNG\r\n\x1a\n" + good["jpeg"][3:]
    out["gif_body_jpeg_magic"] = b"\xff\xd8\xff" + good["gif"][3:]
    out["riff_no_webp"] = b"RIFF\x10\0\0\0WAVEfmt " + b"\0" * 32
    out["png_bad_crc"] = good["png"][:29] + b"\0\0\0\0" + good["png"][33:]
    out["png_garbage_idat"] = png_header_only(64, 64, idat=b"\x78\x9c" + b"\xff" * 200)
    # huge metadata
    out["png_huge_text"] = png_with_chunk(b"tEXt", b"Comment\0" + b"A" * (8 * MIB))
    out["png_ztxt_bomb"] = png_with_chunk(b"zTXt", b"Comment\0\0" + _zeros_z(32 * MIB))
    out["png_itxt_bomb"] = png_with_chunk(b"iTXt", b"XML:com.adobe.xmp\0\1\0\0\0" + _zeros_z(32 * MIB))
    out["png_many_text_chunks"] = (
        good["png"][:33]
        + b"".join(png_chunk(b"tEXt", b"k%d\0" % i + b"v" * 60_000) for i in range(200))
        + good["png"][33:]
    )
    out["png_huge_iccp"] = png_with_chunk(b"iCCP", b"icc\0\0" + _zeros_z(8 * MIB))
    out["png_huge_chunk_length"] = good["png"][:33] + struct.pack(">I", 0x7FFFFFF0) + b"tEXt" + b"x" * 100
    out["jpeg_huge_app1"] = jpeg_with_app_segments(1, marker=0xE1)
    out["jpeg_many_app_segments"] = jpeg_with_app_segments(200, marker=0xE2)
    out["jpeg_many_com_segments"] = jpeg_with_app_segments(150, marker=0xFE)
    out["gif_huge_comment"] = good["gif"][:-1] + b"\x21\xfe" + (b"\xff" + b"c" * 255) * 40_000 + b"\0" + b"\x3b"
    out["webp_huge_exif"] = webp_with_chunk(b"EXIF", b"Exif\0\0" + b"\0" * (4 * MIB))
    out["webp_huge_xmp"] = webp_with_chunk(b"XMP ", b"<x>" + b"A" * (4 * MIB) + b"</x>")
    # non-allowlisted formats, as if renamed .jpg
    for fmt, data in _other_formats().items():
        out[f"renamed_{fmt}"] = data
    # animation with far too many frames
    out["gif_5000_frames"] = gif_animation(5000)
    return out


def pixel_bombs(limit: int) -> dict[str, bytes]:
    """Small files whose headers declare 1x and 2x ``limit`` pixels (Pillow's MAX_IMAGE_PIXELS)."""
    out: dict[str, bytes] = {}
    for factor in (1, 2):
        side = int((limit * factor) ** 0.5) + 2
        out[f"png_{factor}x"] = png_header_only(side, side)
        out[f"gif_{factor}x"] = gif_header_only(side, side)
        out[f"png_wide_{factor}x"] = png_header_only(limit * factor // 100 + 1, 100)
    return out
