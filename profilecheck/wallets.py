"""Payout wallet addresses: which chain, whether the address is well formed, one canonical form.

A ring pays its members into one wallet, written in different cases and on different "chains"
(an ERC-20 token and ETH share an address). To compare them, every address is checked with its
chain's own rules and written in one canonical form:

- EVM (eth, erc20, usdt-erc20, bsc, bep20, polygon, matic, arb, base, op, avax): ``0x`` + 40 hex
  digits; a mixed-case address must carry a valid EIP-55 checksum (Keccak-256 via pycryptodome);
  canonical form ``evm:0x<lower-case hex>``.
- Bitcoin (btc): legacy and P2SH addresses are Base58Check (``base58``) with version byte 0x00 /
  0x05 (0x6f / 0xc4 on testnet); SegWit addresses are Bech32 (v0) or Bech32m (v1+, BIP 350),
  checked with the reference ``bech32`` package; canonical ``btc:<address>`` (Bech32 lower-cased).
- TRON (trx, tron, trc20, usdt-trc20): Base58Check with version byte 0x41 (a ``T...`` address);
  canonical ``tron:<address>``.
- Any other chain: the address as given, trimmed, canonical ``<chain>:<address>``; no check.

>>> check_wallet("eth", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").canonical
'evm:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed'
>>> check_wallet("eth", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").reason
'bad EIP-55 checksum'
>>> check_wallet("btc", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4").canonical
'btc:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'
>>> check_wallet("usdt-trc20", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7").canonical
'tron:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import base58
import bech32

# bandit B413 flags the `Crypto` namespace as the abandoned PyCrypto; here it is pycryptodome (maintained).
from Crypto.Hash import keccak  # nosec B413

__all__ = ["WalletCheck", "check_wallet", "eip55_checksum"]

EVM_CHAINS = frozenset(
    "eth ether ethereum erc20 usdt-erc20 usdc-erc20 bsc bep20 usdt-bep20 polygon matic arb arbitrum base op "
    "optimism avax evm".split()
)
BTC_CHAINS = frozenset({"btc", "bitcoin"})
TRON_CHAINS = frozenset({"trx", "tron", "trc20", "usdt-trc20", "usdc-trc20"})

_HEX40 = re.compile(r"^0[xX][0-9a-fA-F]{40}$")
_BECH32M_CONST = 0x2BC830A3


@dataclass(frozen=True, slots=True)
class WalletCheck:
    """The outcome of checking one address: ``canonical`` when valid, else ``reason``."""

    chain: str
    canonical: str | None
    reason: str = ""

    @property
    def valid(self) -> bool:
        return self.canonical is not None


def eip55_checksum(address: str) -> str:
    """The EIP-55 mixed-case form of a 20-byte hex address.

    >>> eip55_checksum("0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359")
    '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359'
    """
    hexpart = address[2:].lower()
    digest = keccak.new(digest_bits=256, data=hexpart.encode("ascii")).hexdigest()
    return "0x" + "".join(c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(hexpart))


def _check_evm(address: str) -> WalletCheck:
    if not _HEX40.match(address):
        return WalletCheck("evm", None, "not 0x followed by 40 hex digits")
    body = address[2:]
    if body != body.lower() and body != body.upper() and eip55_checksum(address) != "0x" + body:
        return WalletCheck("evm", None, "bad EIP-55 checksum")
    return WalletCheck("evm", "evm:0x" + body.lower())


def _segwit(address: str) -> bool:
    """True for a valid Bech32 (witness v0) or Bech32m (v1-16) address, BIP 173 / BIP 350."""
    if address.lower() != address and address.upper() != address:
        return False
    addr = address.lower()
    pos = addr.rfind("1")
    if pos < 1 or pos + 7 > len(addr) or len(addr) > 90:
        return False
    hrp = addr[:pos]
    if hrp not in ("bc", "tb"):
        return False
    try:
        data = [bech32.CHARSET.index(c) for c in addr[pos + 1 :]]
    except ValueError:
        return False
    const = bech32.bech32_polymod(bech32.bech32_hrp_expand(hrp) + data)
    witver = data[0]
    if (witver == 0 and const != 1) or (witver != 0 and const != _BECH32M_CONST) or witver > 16:
        return False
    prog = bech32.convertbits(data[1:-6], 5, 8, False)
    if prog is None or not 2 <= len(prog) <= 40:
        return False
    return not (witver == 0 and len(prog) not in (20, 32))


def _base58check(address: str, versions: tuple[int, ...]) -> bool:
    try:
        raw = base58.b58decode_check(address)
    except ValueError:
        return False
    return len(raw) == 21 and raw[0] in versions


def check_wallet(chain: str, address: str) -> WalletCheck:
    """Check ``address`` by the rules of ``chain`` and give its canonical form.

    An ``0x`` + 40-hex address is treated as EVM whatever chain is named (exchanges label
    ERC-20 deposits loosely). Unknown chains are accepted as given.
    """
    c = chain.strip().lower()
    a = address.strip()
    if not c or not a:
        return WalletCheck(c, None, "empty chain or address")
    if c in EVM_CHAINS or _HEX40.match(a):
        return _check_evm(a)
    if c in BTC_CHAINS:
        if a.lower().startswith(("bc1", "tb1")):
            return WalletCheck("btc", "btc:" + a.lower()) if _segwit(a) else WalletCheck("btc", None, "bad Bech32")
        if _base58check(a, (0x00, 0x05, 0x6F, 0xC4)):
            return WalletCheck("btc", "btc:" + a)
        return WalletCheck("btc", None, "bad Base58Check")
    if c in TRON_CHAINS:
        if _base58check(a, (0x41,)):
            return WalletCheck("tron", "tron:" + a)
        return WalletCheck("tron", None, "bad TRON Base58Check")
    return WalletCheck(c, f"{c}:{a}")
