"""A real ``profilecheck serve`` (uvicorn) in a subprocess on a free loopback port (API tests, load run)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_kib(self) -> int:
        """Resident set size of the server process (from /proc), in KiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")  # pragma: no cover


@contextmanager
def running_api(
    workspace: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> Iterator[Server]:
    """Start ``profilecheck serve -w WORKSPACE --port P ARGS...`` and wait until /health answers."""
    port = free_port()
    log = tempfile.TemporaryFile()  # a file, not a pipe: a long run cannot block on a full pipe
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PROFILECHECK_API_TOKEN")}
    full_env.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "profilecheck", "serve", "-w", str(workspace), "--port", str(port), *args],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    srv = Server(proc, port)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"serve exited {proc.returncode}: {log.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{srv.base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("serve did not come up")
            time.sleep(0.1)
        yield srv
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()
        log.close()


def listen_addresses(port: int) -> list[str]:
    """The local addresses (hex, as in /proc/net/tcp[6]) with a socket listening on ``port``."""
    out = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            addr, hexport = fields[1].rsplit(":", 1)
            if int(hexport, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                out.append(addr)
    return out
