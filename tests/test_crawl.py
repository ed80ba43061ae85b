"""Real Scrapy crawls against loopback servers: the sample site, blocked pages, kill and resume."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

from profilecheck.model import Profile
from profilecheck.sample_site import render_site, serve_site
from profilecheck.store import Store
from tests.loopback import serve

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "profilecheck", *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout
    )


def person_page(handle: str, name: str, image: str | None = None) -> bytes:
    person = {"@context": "https://schema.org", "@type": "Person", "identifier": handle, "name": name}
    if image:
        person["image"] = image
    return (
        f'<html><head><script type="application/ld+json">{json.dumps(person)}</script></head>'
        f"<body><h1>{name}</h1></body></html>"
    ).encode()


def test_loopback_crawl_of_the_sample_matches_ground_truth(sample_dir: Path, tmp_path: Path) -> None:
    """Every sample profile is gathered with its headshot, fields equal to the generator's records."""
    site = tmp_path / "site"
    shutil.copytree(sample_dir, site)
    pages = render_site(site)
    ws, feed = tmp_path / "ws", tmp_path / "items.jsonl"
    with serve_site(site) as base:
        urls = tmp_path / "urls.txt"
        urls.write_text("".join(f"{base}/{p}\n" for p in pages))
        r = cli("crawl", "--from", str(urls), "-w", str(ws), "--allow-loopback", "--fast", "--output", str(feed))
    assert 0 == r.returncode, r.stderr[-3000:]
    truth_records = {}
    for line in (sample_dir / "profiles.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if rec.get("handle") != "broken-row":
            truth_records[Profile.model_validate({**rec, "photos": []}).id] = rec
    assert f"gathered {len(truth_records)} profile(s), 0 missing, 0 UNKNOWN" in r.stdout
    with Store(ws) as store:
        ids = store.profile_ids()
        assert sorted(truth_records) == ids
        truncated = []
        for pid in ids:
            got = store.get_profile(pid)
            rec = truth_records[pid]
            want = Profile.model_validate({**rec, "photos": []})
            assert want.model_dump(exclude={"photos", "provenance"}) == got.model_dump(exclude={"photos", "provenance"})
            assert 1 == len(got.photos) and "headshot" == got.photos[0].role
            src = (sample_dir / rec["photos"][0]["path"]).read_bytes()
            if got.photos[0].sha256 is None:  # refused by the safe decoder, recorded on the profile
                truncated.append(pid)
                assert any("truncated" in e["reason"] for e in store.profile_errors(pid))
            else:
                assert hashlib.sha256(src).hexdigest() == got.photos[0].sha256
                assert store.media.has(got.photos[0].sha256)
            assert got.provenance.source == "spider:profile"
        assert 1 == len(truncated)  # the sample's one broken upload
        assert len(ids) == len(store.crawl_results("ok"))
    items = [json.loads(x) for x in feed.read_text().splitlines()]
    assert len(items) == len(truth_records)
    assert {i["profile_id"] for i in items} == set(truth_records)


def _bomb_png() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (9000, 9000)).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def test_blocked_missing_ratelimited_malformed_pages(tmp_path: Path) -> None:
    """Each fixture gives its documented outcome; none becomes a clean profile."""
    bomb = _bomb_png()
    gzip_bomb = gzip.compress(b"\0" * (40 * 1024 * 1024))
    retry_once: dict[str, int] = {}

    def handler(h):  # type: ignore[no-untyped-def]
        path = h.path
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private\n"
        if path == "/ok":
            return 200, {"Content-Type": "text/html"}, person_page("ada", "Ada Example", "/bomb.png")
        if path == "/bomb.png":
            return 200, {"Content-Type": "image/png"}, bomb
        if path == "/forbidden":
            return 403, {"Content-Type": "text/html"}, person_page("x", "Should Not Be Read")
        if path == "/ratelimited":
            return 429, {"Retry-After": "3600"}, b"slow down"
        if path == "/ratelimit-once":
            retry_once[path] = retry_once.get(path, 0) + 1
            if retry_once[path] == 1:
                return 429, {"Retry-After": "1"}, b"slow down"
            return 200, {"Content-Type": "text/html"}, person_page("bob", "Bob Example")
        if path == "/captcha":
            body = (
                b'<html><head><title>Just a moment...</title></head><body><div class="g-recaptcha"></div></body></html>'
            )
            return 200, {"Content-Type": "text/html"}, body
        if path == "/malformed":
            return (
                200,
                {"Content-Type": "text/html"},
                b'<html><script type="application/ld+json">{"@type": "Person", </script><div',
            )
        if path == "/gzip-bomb":  # 40 MB of zeros in ~40 kB: over DOWNLOAD_MAXSIZE once decompressed
            return 200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, gzip_bomb
        if path == "/redirect-private":
            return 302, {"Location": "http://10.0.0.1/admin"}, b""
        if path == "/private/page":
            return 200, {"Content-Type": "text/html"}, person_page("p", "Private")
        return 404, {"Content-Type": "text/html"}, b"<html><body>not here</body></html>"

    expected = {
        "/ok": ("ok", "person_found"),
        "/ratelimit-once": ("ok", "person_found"),
        "/forbidden": ("unknown", "blocked_http_403"),
        "/ratelimited": ("unknown", "rate_limited"),
        "/captcha": ("unknown", "captcha_or_waf"),
        "/malformed": ("unknown", "no_person_data"),
        "/missing": ("missing", "not_found"),
        "/redirect-private": ("unknown", "ssrf_refused"),
        "/gzip-bomb": ("unknown", "too_large"),
        "/private/page": ("unknown", "robots_disallowed"),
    }
    ws = tmp_path / "ws"
    with serve(handler) as srv:
        urls = [srv.base + p for p in expected]
        r = cli("crawl", *urls, "-w", str(ws), "--allow-loopback", "--fast")
        served = [p for p, _ in srv.requests]
    assert 0 == r.returncode, r.stderr[-3000:]
    with Store(ws) as store:
        got = {row["url"].removeprefix(srv.base): (row["status"], row["reason"]) for row in store.crawl_results()}
        assert expected == got
        assert ["127.0.0.1:ada", "127.0.0.1:bob"] == store.profile_ids()  # no site definition: platform = host
        ada = store.get_profile(store.profile_ids()[0])
        assert ada.photos[0].sha256 is None
        assert any("too_many_pixels" in e["reason"] for e in store.profile_errors(ada.id))
        rl = next(row for row in store.crawl_results() if row["url"].endswith("/ratelimited"))
        assert "Retry-After 3600" in rl["detail"]
    assert "/admin" not in " ".join(served)  # the redirect to a private address was never followed
    assert "/private/page" not in served  # robots.txt obeyed
    assert 2 == served.count("/ratelimit-once")  # waited for Retry-After: 1, then retried once
    assert "UNKNOWN" in r.stderr


def test_kill_and_resume_with_jobdir(tmp_path: Path) -> None:
    """A crawl interrupted (SIGINT) and restarted with the same JOBDIR finishes without duplicates."""
    n = 40

    def handler(h):  # type: ignore[no-untyped-def]
        if h.path == "/robots.txt":
            return 404, {}, b""
        time.sleep(0.15)
        k = h.path.rsplit("/", 1)[-1]
        return 200, {"Content-Type": "text/html"}, person_page(f"user{k}", f"User {k}")

    ws, jobdir = tmp_path / "ws", tmp_path / "job"
    with serve(handler) as srv:
        urls = tmp_path / "urls.txt"
        urls.write_text("".join(f"{srv.base}/u/{i}\n" for i in range(n)))
        cmd = [
            sys.executable, "-m", "scrapy", "crawl", "profile", "-a", f"from_file={urls}",
            "-s", f"PROFILECHECK_WORKSPACE={ws}", "-s", "PROFILECHECK_ALLOW_LOOPBACK=True",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "-s", f"JOBDIR={jobdir}", "-s", "LOG_LEVEL=INFO",
        ]  # fmt: skip
        first = subprocess.Popen(
            [*cmd, "-o", str(tmp_path / "run1.jsonl")], cwd=ROOT, stderr=subprocess.PIPE, text=True
        )
        deadline = time.time() + 60
        while time.time() < deadline and len(srv.requests) < 10:
            time.sleep(0.05)
        first.send_signal(signal.SIGINT)
        _, log1 = first.communicate(timeout=120)
        served_first = len([p for p, _ in srv.requests if p.startswith("/u/")])
        assert 0 < served_first < n, log1[-2000:]
        second = subprocess.run(
            [*cmd, "-o", str(tmp_path / "run2.jsonl")], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert 0 == second.returncode, second.stderr[-2000:]
        pages = [p for p, _ in srv.requests if p.startswith("/u/")]
    assert sorted(pages) == sorted(f"/u/{i}" for i in range(n))  # each page fetched exactly once
    items = [json.loads(x) for f in ("run1.jsonl", "run2.jsonl") for x in (tmp_path / f).read_text().splitlines()]
    ids = [i["profile_id"] for i in items]
    assert len(ids) == len(set(ids)) == n
    with Store(ws) as store:
        assert n == store.count_profiles() == len(store.crawl_results("ok"))


def test_scrapy_check_passes_offline() -> None:
    """Spider contracts run against saved fixtures (file: URLs, no network) and pass."""
    r = subprocess.run(
        [sys.executable, "-m", "scrapy", "check", "-v"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert 0 == r.returncode, r.stdout + r.stderr[-3000:]
    assert "OK" in r.stderr
    assert "[profile] parse (@scrapes post-hook) ... ok" in r.stderr
    assert "[profile] parse_missing (@returns post-hook) ... ok" in r.stderr
    for cb in ("parse_user", "parse_repos", "parse_commits", "parse_patch"):
        assert f"[github] {cb} (@returns post-hook) ... ok" in r.stderr
    assert "[gitlab] parse_lookup (@returns post-hook) ... ok" in r.stderr
    assert "FAIL" not in r.stderr and "ERROR" not in r.stderr


def test_recheck_blocked_keeps_profile_marked_unconfirmed(tmp_path: Path) -> None:
    """A page gathered once and blocked on the re-check stays tied to its profile with the problem recorded."""
    blocked = {"on": False}

    def handler(h):  # type: ignore[no-untyped-def]
        if h.path == "/robots.txt":
            return 404, {}, b""
        if blocked["on"]:
            return 403, {"Content-Type": "text/html"}, b"<html>Access denied</html>"
        return 200, {"Content-Type": "text/html"}, person_page("eve", "Eve Example")

    ws = tmp_path / "ws"
    with serve(handler) as srv:
        url = srv.base + "/u/eve"
        assert 0 == cli("crawl", url, "-w", str(ws), "--allow-loopback", "--fast").returncode
        blocked["on"] = True
        r = cli("crawl", url, "-w", str(ws), "--allow-loopback", "--fast")
        assert 0 == r.returncode, r.stderr[-2000:]
        with Store(ws) as store:
            row = store.crawl_result(url)
            assert row is not None and ("unknown", "blocked_http_403", "127.0.0.1:eve") == (
                row["status"],
                row["reason"],
                row["profile_id"],
            )
            problems = store.profile_errors("127.0.0.1:eve")
            assert 1 == len(problems) and "could not re-check" in problems[0]["reason"]
        blocked["on"] = False  # readable again: the problem is cleared
        assert 0 == cli("crawl", url, "-w", str(ws), "--allow-loopback", "--fast").returncode
        with Store(ws) as store:
            assert [] == store.profile_errors("127.0.0.1:eve")
            assert "ok" == store.crawl_result(url)["status"]
