"""`make lint`'s dependency audit: pip-audit, with an honest report when it could not look.

pip-audit asks PyPI's JSON API for advisories. Where that API is out of reach (an offline
machine, or a package index that mirrors only the simple API), pip-audit marks every package
"could not be audited" and still ends with "No known vulnerabilities found". This wrapper
reads its JSON instead and says plainly how many packages were really audited. A vulnerability
fails the lint unless its id is listed, with the reason, in ``tools/audit-accepted.txt``. Set
``PROFILECHECK_AUDIT_STRICT=1`` to fail as well when packages could not be audited.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ACCEPTED = Path(__file__).with_name("audit-accepted.txt")


def main() -> int:
    accepted = {
        line.split()[0]
        for line in ACCEPTED.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    done = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "--skip-editable", "-l", "-f", "json"],
        capture_output=True, text=True, timeout=600,
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        print(f"pip-audit: NOT RUN: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
        return 2 if os.environ.get("PROFILECHECK_AUDIT_STRICT") == "1" else 0
    deps = report.get("dependencies", [])
    skipped = [d for d in deps if d.get("skip_reason")]
    vulns = [(d["name"], d["version"], v["id"]) for d in deps for v in d.get("vulns", [])]
    open_vulns = [v for v in vulns if v[2] not in accepted]
    audited = len(deps) - len(skipped)
    print(f"pip-audit: {audited} of {len(deps)} installed packages audited, {len(vulns)} known vulnerabilities "
          f"({len(vulns) - len(open_vulns)} accepted in {ACCEPTED.name})")
    if skipped:
        print(f"pip-audit: WARNING: {len(skipped)} packages NOT audited, e.g. {skipped[0]['name']}: "
              f"{skipped[0]['skip_reason']}. The advisory service is out of reach from here; run `make lint` "
              "where pypi.org is reachable before a release.")
    for name, version, vid in open_vulns:
        print(f"pip-audit: VULNERABLE {name} {version}: {vid}")
    if open_vulns:
        return 1
    if skipped and os.environ.get("PROFILECHECK_AUDIT_STRICT") == "1":
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
