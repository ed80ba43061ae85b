"""The HTML report: one self-contained file (images inline), a queue of cases by risk.

Every score is shown with its reasons and every reason with its evidence card: the headshot
beside the matching headshots of the other profiles with their Hamming distance; the bio beside
its twin with the shared passages highlighted; the cluster of tied profiles drawn as a picture
(inline SVG laid out here, no script); the decisions already recorded, and a decision form
(decision, required reason, reviewer) that posts to ``profilecheck serve`` (the API records it,
append-only) when the page is served, or to the default local address when opened as a file.
"""

from __future__ import annotations

import base64
import difflib
import html
import io
import math
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

__all__ = ["DEFAULT_FORM_ACTION", "build_report", "highlight_shared", "render_report"]

#: Where a report opened as a file posts decisions: ``profilecheck serve`` on its default address.
DEFAULT_FORM_ACTION = "http://127.0.0.1:8765/report/decisions"


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


_NOT_PROFILES = (
    "wallet",
    "phone",
    "email",
    "link",
    "link_domain",
    "email_domain",
    "cluster",
    "text_template",
    "github",
)


def highlight_shared(a: str, b: str, min_words: int = 4) -> tuple[str, str, int]:
    """Both texts as HTML with the word runs they share (``min_words`` or longer) in ``<mark>``.

    Returns ``(a_html, b_html, shared_words)``.

    >>> highlight_shared("I build fast apps for you", "We build fast apps for everyone")[0]
    'I <mark>build fast apps for</mark> you'
    """
    wa, wb = a.split(), b.split()
    sm = difflib.SequenceMatcher(None, [w.lower() for w in wa], [w.lower() for w in wb], autojunk=False)
    blocks = [m for m in sm.get_matching_blocks() if m.size >= min_words]

    def render(words: list[str], spans: list[tuple[int, int]]) -> str:
        out: list[str] = []
        i = 0
        for start, size in spans:
            out.extend(html.escape(w) for w in words[i:start])
            out.append("<mark>" + " ".join(html.escape(w) for w in words[start : start + size]) + "</mark>")
            i = start + size
        out.extend(html.escape(w) for w in words[i:])
        return " ".join(out)

    return (
        render(wa, [(m.a, m.size) for m in blocks]),
        render(wb, [(m.b, m.size) for m in blocks]),
        sum(m.size for m in blocks),
    )


def cluster_svg(cluster: dict[str, Any], focus: str, names: dict[str, str | None], size: int = 300) -> str:
    """The cluster as an inline SVG: members on a circle, the focus profile at the top, edges by weight."""
    members = list(cluster["members"])[:40]
    if focus in members:
        members.remove(focus)
        members.insert(0, focus)
    n = len(members)
    cx = cy = size / 2
    r = size / 2 - 46 if n > 1 else 0
    pos = {
        m: (cx + r * math.sin(2 * math.pi * i / n), cy - r * math.cos(2 * math.pi * i / n))
        for i, m in enumerate(members)
    }
    parts = [
        f'<svg class="cluster" xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" role="img" aria-label="cluster of {cluster["size"]} profiles">'
    ]
    for a, b, w in cluster.get("edges", []):
        if a in pos and b in pos:
            (x1, y1), (x2, y2) = pos[a], pos[b]
            parts.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#9aa3b0" '
                f'stroke-width="{min(6.0, 0.6 + w / 2):.1f}"><title>{html.escape(a)} - {html.escape(b)}: '
                f"tie {w:.1f}</title></line>"
            )
    for m, (x, y) in pos.items():
        color = "#b3261e" if m == focus else ("#e08a00" if cluster.get("is_ring") else "#6b7a90")
        label = html.escape((names.get(m) or m.split(":", 1)[-1])[:18])
        parts.append(
            f'<g><circle cx="{x:.1f}" cy="{y:.1f}" r="{9 if m == focus else 7}" fill="{color}" stroke="#fff" '
            f'stroke-width="2"><title>{html.escape(m)}</title></circle>'
            f'<text x="{x:.1f}" y="{y + 20:.1f}" text-anchor="middle" font-size="10" fill="#333">{label}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _cases(store: Store, limit: int | None) -> tuple[list[dict[str, Any]], Counter[str], int]:
    cache: dict[str, str | None] = {}
    verdicts = list(store.iter_verdicts(order="score"))
    labels = Counter(str(v.label) for v in verdicts)
    names = store.names()
    decided = {d["profile_id"]: d for d in store.decisions(latest_only=True)}
    cases = []
    for n, v in enumerate(verdicts):
        full = limit is None or n < limit
        case: dict[str, Any] = {
            "v": v,
            "name": names.get(v.profile_id),
            "full": full,
            "decision": decided.get(v.profile_id),
        }
        if full:
            case.update(_full_case(store, v, names, cache))
        cases.append(case)
    return cases, labels, len(verdicts)


def _full_case(store: Store, v: Any, names: dict[str, str | None], cache: dict[str, str | None]) -> dict[str, Any]:
    profile = store.get_profile(v.profile_id)
    analysis = store.get_analysis(v.profile_id)
    features = analysis.features if analysis else {}
    photo = _thumb(store, _headshot_sha(features), cache)
    reasons: list[dict[str, Any]] = []
    unknown = []
    for e in v.evidence:
        if e.status is Status.UNKNOWN:
            unknown.append(e)
            continue
        if e.status is not Status.HIT:
            continue
        item: dict[str, Any] = {"e": e, "photos": [], "others": [], "twin": None}
        for ref in e.refs:
            other_id, _, rest = ref.partition("#")
            if ":" not in other_id or other_id.split(":", 1)[0] in _NOT_PROFILES:
                continue
            dist = rest.partition("@")[2] if rest else ""
            entry = {"id": other_id, "distance": dist, "photo": None}
            if e.signal == "photo_reuse":
                oa = store.get_analysis(other_id)
                entry["photo"] = _thumb(store, _headshot_sha(oa.features) if oa else None, cache)
                item["photos"].append(entry)
            else:
                item["others"].append(entry)
        if e.code == "BIO_TEMPLATE_SHARED" and profile.bio and item["others"]:
            twin_id = item["others"][0]["id"]
            try:
                twin = store.get_profile(twin_id)
            except StorageError:
                twin = None
            if twin is not None and twin.bio:
                mine, theirs, shared = highlight_shared(profile.bio, twin.bio)
                item["twin"] = {"id": twin_id, "mine": mine, "theirs": theirs, "shared": shared}
        reasons.append(item)
    cluster = store.cluster_of(v.profile_id)
    return {
        "p": profile,
        "photo": photo,
        "reasons": reasons,
        "unknown": unknown,
        "errors": store.profile_errors(v.profile_id),
        "cluster": cluster,
        "cluster_svg": cluster_svg(cluster, v.profile_id, names) if cluster else None,
        "decisions": store.decisions(v.profile_id),
    }


def render_report(
    store: Store,
    *,
    limit: int | None = None,
    title: str = "profilecheck report",
    form_action: str = DEFAULT_FORM_ACTION,
    needs_token: bool = False,
) -> str:
    """The report as one HTML string (see :func:`build_report`)."""
    cases, labels, total = _cases(store, limit)
    env = Environment(
        loader=PackageLoader("profilecheck.report", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    return env.get_template("report.html.j2").render(
        title=title,
        cases=cases,
        labels=labels,
        total=total,
        rings=store.clusters(rings_only=True),
        version=__version__,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        Label=Label,
        form_action=form_action,
        served=not form_action.startswith("http"),
        needs_token=needs_token,
    )


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
    _atomic_write(out, render_report(store, limit=limit, title=title))
    return out
