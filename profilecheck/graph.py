"""Rings: profiles linked by the artifacts they share, and the clusters they form.

Every :class:`~profilecheck.signals.Match` the matching stage found (a reused photo, a shared
wallet, phone, e-mail, private domain, portfolio link, bio template, or any kind added later)
is an edge between two profiles. An edge's weight sums, per *family* of artifact (all photo
matches are one family, all text matches another, each contact kind its own), the strongest
kind's weight in that family, scaled down when the two profiles carry the same name (one
person's own accounts: :func:`profilecheck.signals._util.link_weight`). An edge clusters two
profiles when it weighs at least :data:`EDGE_MIN` and ties them by two families, or by one
family weighing :data:`SINGLE_MIN` (the same photo, the same wallet): a bio template alone
circulates between rings and a phone number alone gets recycled. The connected components of
those edges are the clusters.

A cluster is called a *ring* when it is tied by at least two families of artifact and its
evidence (per family, the strongest link-weighted tie plus a fifth for each further distinct
shared value, up to five) reaches :data:`RING_MIN`. Size alone never makes a ring: colleagues at one
small agency share one company domain, and a thousand people share it at a large employer;
neither is a second, independent tie.

>>> from profilecheck.signals import Match
>>> ms = {
...     "m:a": [Match("wallet", "evm:0x1", "m:b", "B"), Match("photo_sha256", "f0", "m:b", "B")],
...     "m:b": [Match("wallet", "evm:0x1", "m:a", "A"), Match("photo_sha256", "f0", "m:a", "A")],
... }
>>> [(c.size, c.is_ring, c.families) for c in build_clusters(ms, {"m:a": "A", "m:b": "B"})]
[(2, True, ('photo', 'wallet'))]
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from profilecheck.signals import Match
from profilecheck.signals._util import link_weight

__all__ = [
    "DEFAULT_KIND_WEIGHT",
    "EDGE_MIN",
    "KIND_WEIGHTS",
    "RING_MIN",
    "VIEW_MEMBERS",
    "Cluster",
    "build_clusters",
    "build_graph",
    "family",
    "member_views",
    "ties_cluster",
]

#: How much one shared artifact of a kind ties two profiles (log-odds scale, as the signals).
KIND_WEIGHTS: dict[str, float] = {
    "photo_sha256": 3.0,
    "photo_phash": 3.0,
    "wallet": 3.0,
    "phone": 2.5,
    "email": 2.5,
    "text_template": 2.5,
    "email_domain": 1.2,
    "link": 1.2,
    "repo": 1.2,
    "link_domain": 0.8,
}
#: Weight of a match kind this module does not know yet (new matchers land without edits here).
DEFAULT_KIND_WEIGHT = 1.5
EDGE_MIN = 1.0
#: One family alone ties two profiles into a cluster only at this weight (the same photo or wallet):
#: bio templates circulate between rings and phone numbers get recycled, so alone they link, not cluster.
SINGLE_MIN = 3.0
RING_MIN = 5.0


def family(kind: str) -> str:
    """The family of a match kind: every ``photo_*`` kind is ``photo``, every ``text_*`` is ``text``.

    >>> family("photo_phash"), family("text_template"), family("wallet")
    ('photo', 'text', 'wallet')
    """
    head = kind.split("_", 1)[0]
    return head if head in ("photo", "text", "face", "bio") else kind


def kind_weight(kind: str) -> float:
    return KIND_WEIGHTS.get(kind, DEFAULT_KIND_WEIGHT)


@dataclass(frozen=True)
class Cluster:
    """Profiles tied together by shared artifacts.

    ``artifacts`` lists each shared value with its kind and the members that hold it;
    ``evidence`` is the score that decides ``is_ring`` (see the module docstring).
    """

    id: str
    members: tuple[str, ...]
    evidence: float
    is_ring: bool
    families: tuple[str, ...]
    artifacts: tuple[dict[str, Any], ...] = ()
    edges: tuple[tuple[str, str, float], ...] = ()
    ties: Mapping[str, float] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.members)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "size": self.size,
            "members": list(self.members),
            "evidence": round(self.evidence, 4),
            "is_ring": self.is_ring,
            "families": list(self.families),
            "artifacts": [dict(a) for a in self.artifacts],
            "edges": [[a, b, round(w, 4)] for a, b, w in self.edges],
            "ties": {k: round(v, 4) for k, v in sorted(self.ties.items())},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Cluster:
        return cls(
            id=d["id"],
            members=tuple(d["members"]),
            evidence=float(d["evidence"]),
            is_ring=bool(d["is_ring"]),
            families=tuple(d["families"]),
            artifacts=tuple(d.get("artifacts", ())),
            edges=tuple((a, b, float(w)) for a, b, w in d.get("edges", ())),
            ties=dict(d.get("ties", {})),
        )


def _edge_weight(ms: list[Match], platform: str, name: str | None) -> tuple[float, float, dict[str, float]]:
    """(weight, link factor, family -> strongest kind weight) of the edge the matches make."""
    best: dict[str, float] = {}
    for m in ms:
        f = family(m.kind)
        best[f] = max(best.get(f, 0.0), kind_weight(m.kind))
    rel = link_weight(platform, name, ms[0].other_id, ms[0].other_name) if ms else 1.0
    return rel * sum(best.values()), rel, best


def build_graph(matches: Mapping[str, Iterable[Match]], names: Mapping[str, str | None]) -> nx.Graph:
    """The weighted graph of profiles: one edge per pair that shares anything.

    Each edge carries ``weight`` (see the module docstring), ``rel`` (the same-name link
    factor), ``families`` (family -> weight) and ``matches`` (the :class:`Match` objects seen
    from the lower id).
    """
    g: nx.Graph = nx.Graph()
    by_pair: dict[tuple[str, str], list[Match]] = defaultdict(list)
    for pid, ms in matches.items():
        for m in ms:
            if m.other_id == pid:
                continue
            if pid < m.other_id:
                by_pair[(pid, m.other_id)].append(m)
    for (a, b), ms in sorted(by_pair.items()):
        w, rel, fams = _edge_weight(ms, a.split(":", 1)[0], names.get(a))
        g.add_edge(a, b, weight=w, rel=rel, families=fams, matches=ms)
    return g


def _keep(weight: float, families: Mapping[str, float], edge_min: float) -> bool:
    return weight >= edge_min and (len(families) >= 2 or weight >= SINGLE_MIN)


def ties_cluster(matches: list[Match], pid: str, name: str | None, edge_min: float = EDGE_MIN) -> bool:
    """Whether the matches between ``pid`` and one other profile (seen from ``pid``, the lower
    id) make an edge that clusters them: the test :func:`build_clusters` applies to each edge.

    >>> ties_cluster([Match("wallet", "evm:0x1", "m:b", "B")], "m:a", "A")
    True
    >>> ties_cluster([Match("text_template", "t", "m:b", "B")], "m:a", "A")
    False
    """
    w, _rel, fams = _edge_weight(matches, pid.split(":", 1)[0], name)
    return _keep(w, fams, edge_min)


def _cluster_id(members: Iterable[str]) -> str:
    blob = "\n".join(sorted(members)).encode()
    return "c-" + hashlib.sha256(blob).hexdigest()[:12]


def build_clusters(
    matches: Mapping[str, Iterable[Match]],
    names: Mapping[str, str | None],
    *,
    edge_min: float = EDGE_MIN,
    ring_min: float = RING_MIN,
) -> list[Cluster]:
    """Cluster the profiles that share artifacts; rings first, then by evidence.

    Args:
        matches: profile id -> its matches (from :func:`profilecheck.engine.matching.find_matches`).
        names: profile id -> name (to weigh down links between one person's own accounts).
        edge_min: lightest edge kept.
        ring_min: evidence at which a cluster tied by two or more families is a ring.
    """
    g = build_graph(matches, names)
    strong = nx.Graph()
    strong.add_edges_from(
        (a, b, d) for a, b, d in g.edges(data=True) if _keep(float(d["weight"]), d["families"], edge_min)
    )
    out: list[Cluster] = []
    for comp in nx.connected_components(strong):
        members = tuple(sorted(comp))
        sub = strong.subgraph(members)
        holders: dict[tuple[str, str], set[str]] = defaultdict(set)
        ties: dict[str, float] = defaultdict(float)
        top: dict[str, float] = defaultdict(float)  # family -> strongest (link-weighted) tie
        for a, b, d in sub.edges(data=True):
            ties[a] += d["weight"]
            ties[b] += d["weight"]
            for f, w in d["families"].items():
                top[f] = max(top[f], w * d["rel"])
            for m in d["matches"]:
                holders[(m.kind, m.value)].update((a, b))
        values: dict[str, int] = defaultdict(int)
        for kind, _value in holders:
            values[family(kind)] += 1
        evidence = sum(w * (1 + 0.2 * min(5, values[f] - 1)) for f, w in top.items())
        per_family = top
        fams = tuple(sorted(per_family))
        artifacts = tuple(
            {"kind": k, "value": v, "family": family(k), "holders": sorted(h)} for (k, v), h in sorted(holders.items())
        )
        edges = tuple(
            sorted(
                (a, b, float(d["weight"])) if a < b else (b, a, float(d["weight"])) for a, b, d in sub.edges(data=True)
            )
        )
        out.append(
            Cluster(
                id=_cluster_id(members),
                members=members,
                evidence=evidence,
                is_ring=len(fams) >= 2 and evidence >= ring_min,
                families=fams,
                artifacts=artifacts,
                edges=edges,
                ties=dict(ties),
            )
        )
    out.sort(key=lambda c: (not c.is_ring, -c.evidence, c.id))
    return out


#: Members listed in a member's view of its cluster (its evidence cites at most 50 others).
VIEW_MEMBERS = 51


def member_views(cluster: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each member's view of a cluster (a :meth:`Cluster.to_dict`): what scoring one member reads.

    The view keeps the cluster's id, size, evidence, families and ring call, the first
    :data:`VIEW_MEMBERS` members, and only this member's own artifacts and tie. Its size does
    not grow with the cluster, so scoring a cluster of ``s`` members costs ``O(s)``, not
    ``O(s**2)`` (a template pasted into 10 000 accounts makes one cluster of 10 000).
    The ``ring`` signal reads the same fields from a view as from the whole cluster.

    >>> c = {"id": "c-1", "size": 3, "members": ["a", "b", "c"], "evidence": 6.0, "is_ring": True,
    ...      "families": ["photo", "wallet"], "edges": [], "ties": {"a": 3.0, "b": 6.0, "c": 3.0},
    ...      "artifacts": [{"kind": "wallet", "value": "w", "family": "wallet", "holders": ["a", "b"]}]}
    >>> v = member_views(c)
    >>> v["a"]["artifacts"], v["c"]["artifacts"], v["b"]["ties"]
    ([{'kind': 'wallet', 'value': 'w', 'family': 'wallet', 'holders': ['a']}], [], {'b': 6.0})
    """
    mine: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in cluster["artifacts"]:
        for h in a["holders"]:
            mine[h].append({"kind": a["kind"], "value": a["value"], "family": a["family"], "holders": [h]})
    head = list(cluster["members"][:VIEW_MEMBERS])
    ties = cluster.get("ties", {})
    base = {k: cluster[k] for k in ("id", "size", "evidence", "is_ring", "families")}
    return {
        pid: {**base, "members": head, "artifacts": mine.get(pid, []), "ties": {pid: ties.get(pid, 0.0)}}
        for pid in cluster["members"]
    }


def membership(clusters: Iterable[Cluster]) -> dict[str, Cluster]:
    """profile id -> its cluster."""
    return {pid: c for c in clusters for pid in c.members}
