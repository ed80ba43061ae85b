"""Logging that never writes a raw e-mail address, phone number or wallet.

Every module of the package takes its logger from :func:`get_logger`, which attaches
:class:`RedactingFilter` to it: the filter rewrites each record *when it is created*, before any
handler (ours, pytest's, Scrapy's, an application's) sees it, so no configuration can let a raw
contact through. :func:`configure` installs a stderr handler for the CLI, at the level named by
``PROFILECHECK_LOG_LEVEL`` (default ``WARNING``).
"""

from __future__ import annotations

import logging
import os
import re

__all__ = ["RedactingFilter", "configure", "get_logger", "redact"]

# Anything shaped like an address, valid or not ("bob@@example.com" is still someone's address).
_EMAIL = re.compile(r"[^\s'\"<>(),;]+@[^\s'\"<>(),;]*\.[^\s'\"<>(),;]+")
# International numbers (+...), and national ones written in groups like (512) 555-0101 or 020 7946 0958.
_PHONE = re.compile(r"\+\d[\d \t().\-/]{5,}\d|\(?\b\d{2,4}\)?[ .\-]\d{3,4}[ .\-]\d{3,4}\b")
_WALLET = re.compile(r"\b0x[0-9a-fA-F]{40}\b|\b(?:bc1|[13])[a-km-zA-HJ-NP-Z1-9]{25,59}\b")


def redact(text: str) -> str:
    """Mask e-mail addresses, phone numbers and wallet addresses in ``text``.

    >>> redact("mail jane.doe+x@example.co.uk or call +1 (512) 555-0101, pay 0x" + "ab" * 20)
    'mail <email> or call <phone>, pay <wallet>'
    >>> redact("not an e-mail address: 'bob@@example.com'")
    "not an e-mail address: '<email>'"
    >>> redact("2024-03-01T00:00:00Z line 12: 5000000 bytes, analyse@1")
    '2024-03-01T00:00:00Z line 12: 5000000 bytes, analyse@1'
    """
    text = _EMAIL.sub("<email>", text)
    text = _WALLET.sub("<wallet>", text)
    return _PHONE.sub("<phone>", text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (arguments merged in) with :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: log it as given, still redacted
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


_FILTER = RedactingFilter()


def get_logger(name: str) -> logging.Logger:
    """The logger for module ``name``, with redaction attached."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


def configure(level: str | None = None) -> None:
    """Log the package's records to stderr at ``level`` (or ``PROFILECHECK_LOG_LEVEL``), redacted."""
    name = (level or os.environ.get("PROFILECHECK_LOG_LEVEL") or "WARNING").upper()
    if name not in logging.getLevelNamesMapping():
        raise ValueError(f"unknown log level {name!r}")
    root = logging.getLogger("profilecheck")
    root.setLevel(name)
    if not any(getattr(h, "_profilecheck", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler.addFilter(_FILTER)
        handler._profilecheck = True  # type: ignore[attr-defined]
        root.addHandler(handler)
