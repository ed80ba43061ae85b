"""The CLI as a user runs it: a real subprocess of the console script."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from profilecheck.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "profilecheck", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_import_scan_show_export_report(sample_dir: Path, tmp_path: Path) -> None:
    """The main job, step by step, through the CLI."""
    ws = str(tmp_path / "ws")
    r = run("import", str(sample_dir / "profiles.jsonl"), "-w", ws)
    assert 0 == r.returncode, r.stderr
    assert "1 problem(s)" in r.stdout
    assert "profiles.jsonl:102:" in r.stderr
    r = run("scan", "-w", ws)
    assert 0 == r.returncode, r.stderr
    assert re.search(r"\d+ analysed", r.stdout)
    r = run("scan", "-w", ws)
    assert "nothing to do" in r.stdout
    out = tmp_path / "verdicts.jsonl"
    r = run("export", str(out), "-w", ws)
    assert 0 == r.returncode, r.stderr
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert rows[0]["score"] <= rows[-1]["score"]
    risky = rows[0]
    assert risky["reasons"] and risky["reasons"][0]["refs"]
    r = run("show", risky["profile_id"], "-w", ws)
    assert 0 == r.returncode, r.stderr
    assert risky["reasons"][0]["code"] in r.stdout
    r = run("show", risky["profile_id"], "-w", ws, "--json")
    assert risky["score"] == json.loads(r.stdout)["score"]
    html = tmp_path / "r.html"
    r = run("report", str(html), "-w", ws)
    assert 0 == r.returncode, r.stderr
    text = html.read_text()
    assert risky["profile_id"] in text and "data:image/jpeg;base64," in text
    head = text.split("<main>")[0]
    # Nothing is loaded from outside; the only address named is the loopback decision server.
    assert not re.search(r'(src|href)="https?://', head)
    assert {u for u in re.findall(r"https?://[^\s'\"<>;]+", head)} <= {"http://127.0.0.1:8765"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "/nonexistent/file.jsonl"], "no such file"),
        (["show", "nobody", "-w", "{ws}"], "no profile 'nobody'"),
        (["export", "{ws}/x.xml", "-w", "{ws}"], "unknown export format"),
        (["import", "{ws}/p.csv", "--mapping", "nope", "-w", "{ws}"], "mapping"),
    ],
)
def test_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    """Library errors become one line on stderr and exit 1, no traceback."""
    (tmp_path / "p.csv").write_text("platform,handle\nx,y\n")
    r = run(*[a.format(ws=tmp_path) for a in args])
    assert 1 == r.returncode
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    assert 1 == len(r.stderr.strip().splitlines())


def test_every_command_documented() -> None:
    """Every CLI command appears in the README."""
    readme = README.read_text()
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    missing = [n for n in names if f"profilecheck {n}" not in readme]
    assert [] == missing
