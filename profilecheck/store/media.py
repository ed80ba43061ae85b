"""Media stored on disk by content hash: ``media/ab/cd/abcd...``."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from profilecheck.errors import StorageError

__all__ = ["MediaStore"]


class MediaStore:
    """A content-addressed directory of files (write-once, atomic)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if target.exists():
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise StorageError(f"cannot write media {sha}: {exc}", sha256=sha) from exc
        return sha

    def get(self, sha256: str) -> bytes:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise StorageError(f"media {sha256} is not in the store", sha256=sha256) from None

    def has(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def __iter__(self):  # type: ignore[no-untyped-def]
        for p in self.root.glob("*/*/*"):
            if p.is_file() and not p.name.startswith(".tmp-"):
                yield p.name
