"""Malformed images and pixel bombs: each refused with a typed reason (or decoded safely), bounded
in CPU time and memory, and a batch holding them all still scores every profile."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from profilecheck.engine import scan
from profilecheck.errors import MediaError
from profilecheck.importers import import_file
from profilecheck.media import REASONS, load_image
from profilecheck.store import Store
from tests._hostile import (
    gif_comment_blocks,
    malformed_images,
    pixel_bombs,
    png_zero_bomb,
    valid_images,
)

CORPUS = malformed_images()
BOMBS = pixel_bombs(Image.MAX_IMAGE_PIXELS)

# What some inputs must give; the rest must be refused with a known reason or decode to RGB.
MUST = {
    "zero_bytes": "empty",
    "one_byte": "unsupported_format",
    "nul_kb": "unsupported_format",
    "jpeg_bad_magic": "unsupported_format",
    "png_bad_magic": "unsupported_format",
    "webp_bad_fourcc": "unsupported_format",
    "riff_no_webp": "unsupported_format",
    "gif_5000_frames": "too_many_frames",
    "png_ztxt_bomb": "corrupt",
    "png_itxt_bomb": "corrupt",
    "png_garbage_idat": "corrupt",
    **{k: "unsupported_format" for k in CORPUS if k.startswith("renamed_")},
}


def test_corpus_is_big_enough() -> None:
    """At least 60 malformed files, every family represented."""
    assert len(CORPUS) >= 60
    for family in ("truncated_at", "magic", "huge", "renamed_", "5000_frames", "zero_bytes"):
        assert any(family in k for k in CORPUS), family


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_malformed_refused_or_decoded_safely(name: str) -> None:
    """Each file is refused with a typed reason naming the input, or decodes to a sane RGB image."""
    data = CORPUS[name]
    try:
        img, info = load_image(data, draft_size=(256, 256), name=f"{name}.jpg")
    except MediaError as exc:
        assert exc.reason in REASONS
        assert f"{name}.jpg" in str(exc)
        if name in MUST:
            assert MUST[name] == exc.reason
        return
    assert name not in MUST, f"{name} should have been refused as {MUST.get(name)}"
    # only complete-enough files of an allowed format may decode: never the first half of a file
    fmt, _, cut = name.partition("_truncated_at_")
    if cut:
        assert int(cut) > len(valid_images()[fmt]) // 2
    assert "RGB" == img.mode
    assert (64, 64) == img.size == (info.width, info.height)


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_pixel_bombs_refused(name: str) -> None:
    """Headers declaring 1x and 2x Pillow's MAX_IMAGE_PIXELS are refused before any decoding."""
    with pytest.raises(MediaError) as info:
        load_image(BOMBS[name], name=name)
    assert "too_many_pixels" == info.value.reason


def test_bomb_under_pillow_limit_but_over_ours() -> None:
    """A real zero-filled PNG over our decoded-pixel cap (but under Pillow's) is refused too."""
    data = png_zero_bomb(5000, 5000)
    assert len(data) < 100_000 and 25_000_000 < Image.MAX_IMAGE_PIXELS
    with pytest.raises(MediaError) as info:
        load_image(data, name="bomb.png")
    assert "too_many_pixels" == info.value.reason


def test_jpeg_draft_counts_reduced_size() -> None:
    """The decoded-pixel cap counts a JPEG at its draft size, so a big photo still decodes small."""
    buf = Image.new("RGB", (2400, 2400), (90, 90, 90))
    import io

    out = io.BytesIO()
    buf.save(out, "JPEG")
    img, info = load_image(out.getvalue(), max_decoded_pixels=1_000_000, draft_size=(256, 256))
    assert (2400, 2400) == (info.width, info.height)
    assert img.size[0] * img.size[1] <= 1_000_000
    with pytest.raises(MediaError) as err:
        load_image(out.getvalue(), max_decoded_pixels=1_000_000)
    assert "too_many_pixels" == err.value.reason


_PROBE = r"""
import json, sys, time
from pathlib import Path
from profilecheck.errors import MediaError
from profilecheck.media import load_image

def kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)

out = {}
for path in sorted(Path(sys.argv[1]).iterdir()):
    data = path.read_bytes()
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    before = kb("VmRSS")
    t = time.thread_time()
    try:
        img, info = load_image(data, draft_size=(256, 256), name=path.name)
        result = "decoded"
        del img
    except MediaError as exc:
        result = exc.reason
    out[path.name] = {"result": result, "cpu": time.thread_time() - t, "peak_mb": (kb("VmHWM") - before) / 1024}
print(json.dumps(out))
"""


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
def test_bounded_time_and_memory_in_a_fresh_process(tmp_path: Path) -> None:
    """Every hostile file, decoded one after another in one fresh process: each under 2 s of CPU and
    256 MB (the peak RSS over the decode, which also counts what Pillow allocates in C)."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    files = {**CORPUS, **{f"bomb_{k}": v for k, v in BOMBS.items()}}
    files["legit_zero_png_4400"] = png_zero_bomb(4400, 4400)  # 19.4 M pixels: under the cap, decoded
    files["gif_3m_comment_blocks"] = gif_comment_blocks(3_000_000)
    for name, data in files.items():
        (folder / f"{name}.jpg").write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(folder)], capture_output=True, text=True, timeout=300, check=True
    )
    stats = json.loads(done.stdout)
    assert len(files) == len(stats)
    for name, s in stats.items():
        assert s["cpu"] < 2.0, (name, s)
        assert s["result"] == "decoded" or s["result"] in REASONS, (name, s)
    assert max(s["peak_mb"] for s in stats.values()) < 256, stats
    assert stats["legit_zero_png_4400.jpg"]["peak_mb"] > 50  # the measure does see a real decode
    assert "decoded" == stats["legit_zero_png_4400.jpg"]["result"]
    assert stats["gif_3m_comment_blocks.jpg"]["result"] in ("decoded", "too_slow")
    refused = sum(1 for s in stats.values() if s["result"] != "decoded")
    assert refused >= 60


def test_batch_with_hostile_photos_is_scored(tmp_path: Path) -> None:
    """Import + scan a batch where most profiles carry a hostile photo: every profile gets a verdict,
    every hostile photo is recorded with its reason, and the good photos are hashed."""
    src = tmp_path / "batch"
    (src / "photos").mkdir(parents=True)
    lines = []
    expected_broken = {}
    for i, (name, data) in enumerate(sorted({**CORPUS, **{f"bomb_{k}": v for k, v in BOMBS.items()}}.items())):
        (src / "photos" / f"{name}.jpg").write_bytes(data)
        rec = {"platform": "hostile", "handle": f"h{i:03d}", "photos": [{"path": f"photos/{name}.jpg"}]}
        lines.append(json.dumps(rec))
        expected_broken[f"hostile:h{i:03d}"] = name
    for fmt, data in valid_images().items():
        (src / "photos" / f"good_{fmt}.img").write_bytes(data)
        lines.append(json.dumps({"platform": "good", "handle": fmt, "photos": [{"path": f"photos/good_{fmt}.img"}]}))
    (src / "profiles.jsonl").write_text("\n".join(lines) + "\n")
    with Store(tmp_path / "ws") as store:
        rep = import_file(store, src / "profiles.jsonl")
        assert [] == rep.errors
        stats = scan(store)
        assert stats.profiles == store.count_verdicts() == len(lines)
        for fmt in valid_images():
            photos = store.get_analysis(f"good:{fmt}").features["photos"]  # type: ignore[union-attr]
            assert "ok" == photos[0]["status"] and len(photos[0]["phash"]) == 16
        broken = 0
        for pid, name in expected_broken.items():
            photo = store.get_analysis(pid).features["photos"][0]  # type: ignore[union-attr]
            if photo["status"] == "broken":
                broken += 1
                assert photo["reason"] in REASONS
                assert any(name in e["reason"] for e in store.profile_errors(pid))
            else:
                assert "ok" == photo["status"], (name, photo)
        assert broken >= 60
        assert "ok" == store.integrity_check()
