"""The HTML report: one self-contained file (images inline), a queue of cases by risk.

Every score is shown with its reasons and every reason with its evidence: the headshot beside
the matching headshots of the other profiles, the shared contacts, the linked profiles.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from profilecheck import __version__
from profilecheck.errors import MediaError, StorageError
from profilecheck.export import _atomic_write
from profilecheck.media import load_image
from profilecheck.model import Label, Status
from profilecheck.store import Store

__all__ = ["build_report"]


def _thumb(store: Store, sha: str | None, cache: dict[str, str | None], size: int = 112) -> str | None:
    if not sha:
        return None
    if sha in cache:
        return cache[sha]
    uri = None
    try:
        img, _ = load_image(store.media.get(sha), draft_size=(size * 2, size * 2), name=sha)
        img.thumbnail((size, size))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=80)
        uri = "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()
    except (MediaError, StorageError):
        uri = None
    cache[sha] = uri
    return uri


def _headshot_sha(features: dict[str, Any]) -> str | None:
    for ph in features.get("photos", []):
        if ph.get("status") == "ok":
            return str(ph["sha256"])
    return None


def build_report(
    store: Store, out: Path | str, *, limit: int | None = None, title: str = "profilecheck report"
) -> Path:
    """Write the report to ``out`` and return its path.

    Args:
        store: a scanned store.
        out: the HTML file to write.
        limit: show at most this many cases in full (riskiest first); the rest are listed.
        title: the page title.
    """
    out = Path(out)
    cache: dict[str, str | None] = {}
    verdicts = list(store.iter_verdicts(order="score"))
    labels = Counter(str(v.label) for v in verdicts)
    cases = []
    for n, v in enumerate(verdicts):
        full = limit is None or n < limit
        profile = store.get_profile(v.profile_id)
        analysis = store.get_analysis(v.profile_id)
        features = analysis.features if analysis else {}
        case: dict[str, Any] = {
            "v": v,
            "p": profile,
            "full": full,
            "reasons": [],
            "unknown": [],
            "photo": None,
            "errors": store.profile_errors(v.profile_id) if full else [],
        }
        if full:
            case["photo"] = _thumb(store, _headshot_sha(features), cache)
            for e in v.evidence:
                if e.status is Status.UNKNOWN:
                    case["unknown"].append(e)
                    continue
                if e.status is not Status.HIT:
                    continue
                item: dict[str, Any] = {"e": e, "photos": [], "others": []}
                for ref in e.refs:
                    other_id, _, rest = ref.partition("#")
                    if ":" not in other_id or other_id.split(":", 1)[0] in (
                        "wallet",
                        "phone",
                        "email",
                        "link",
                        "link_domain",
                        "email_domain",
                    ):
                        continue
                    dist = rest.partition("@")[2] if rest else ""
                    entry = {"id": other_id, "distance": dist, "photo": None}
                    if e.signal == "photo_reuse":
                        oa = store.get_analysis(other_id)
                        entry["photo"] = _thumb(store, _headshot_sha(oa.features) if oa else None, cache)
                        item["photos"].append(entry)
                    else:
                        item["others"].append(entry)
                case["reasons"].append(item)
        cases.append(case)
    env = Environment(
        loader=PackageLoader("profilecheck.report", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    html = env.get_template("report.html.j2").render(
        title=title,
        cases=cases,
        labels=labels,
        total=len(verdicts),
        version=__version__,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        Label=Label,
    )
    _atomic_write(out, html)
    return out
