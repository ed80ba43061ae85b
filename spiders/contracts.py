"""A spider contract that points a callback at a saved fixture, so ``scrapy check`` runs offline.

``@fixture <site> <present|absent>`` loads the site definition's saved HTML for that example
(``@fixture <name> <kind>`` loads an API response saved as ``sites/fixtures/<name>/<kind>.*``)
and sends the request as a ``file:`` URL (Scrapy's file handler: no socket is opened), with the
example's real URL in ``meta["pc_page_url"]`` for the callback to use as the page address.
"""

from __future__ import annotations

from typing import Any

from scrapy.contracts import Contract

from spiders.sites import SITES_DIR, load_sites

__all__ = ["FixtureContract"]


class FixtureContract(Contract):
    """``@fixture demo-marketplace present``"""

    name = "fixture"

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        site_name, kind = self.args[0], self.args[1]
        site = next((s for s in load_sites() if s.name == site_name), None)
        if site is not None and kind in site.examples:
            example = site.examples[kind]
            path, page_url, status = site.fixture(kind), str(example["url"]), int(example.get("status", 200))
        else:  # an API response saved as fixtures/<name>/<kind>.json (e.g. github-api/user.json)
            found = sorted((SITES_DIR / "fixtures" / site_name).glob(f"{kind}.*"))
            path = found[0] if found else SITES_DIR / "fixtures" / site_name / f"{kind}.json"
            if not path.is_file():
                raise ValueError(f"@fixture {site_name} {kind}: no such site example or fixture file")
            page_url, status = path.resolve().as_uri(), 200
        args["url"] = path.resolve().as_uri()
        meta = dict(args.get("meta") or {})
        meta.update({"pc_fixture": True, "pc_page_url": page_url, "pc_status": status})
        args["meta"] = meta
        return args
