"""Screening against published lists the user supplies: sanctions (U.S. Treasury SDN) and domain lists.

The user downloads a list and adds it to the workspace (``profilecheck lists add FILE``); it is
stored with its source path, the date it states, its sha256 and the time it was added, and the
scan's matching stage screens every profile against every stored list:

* payout wallets against the SDN list's digital-currency addresses, in the canonical form of
  :mod:`profilecheck.wallets` (so case, chain label and checksum form do not matter);
* names against the SDN list's individuals and their aliases, transliteration-aware and fuzzy
  (:mod:`profilecheck.screening.names`);
* e-mail domains, websites and portfolio links against domain lists (seized or known-fake
  company domains) and the websites and e-mail domains the SDN list itself names.

Formats read (:mod:`profilecheck.screening.lists`): the SDN list as ``SDN.XML`` (the classic
``sdnList`` schema, namespaced or not), as the CSV set ``SDN.CSV`` + ``ALT.CSV`` + ``ADD.CSV``,
and domain lists as plain text (one domain or URL a line, ``#`` comments) or CSV with a
``domain`` or ``url`` column. XML is parsed with defusedxml (no entity expansion, no DTD).
"""

from __future__ import annotations

from profilecheck.screening.lists import ListEntry, ParsedList, parse_list
from profilecheck.screening.names import NameIndex, fold_name, loose_key

__all__ = ["ListEntry", "NameIndex", "ParsedList", "fold_name", "loose_key", "parse_list"]
