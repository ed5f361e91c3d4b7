"""Keyed-hash pseudonyms for child references (HMAC-SHA256).

The key is a 32-byte random secret in ``.secrets/pseudonymisation.key`` (git-ignored), generated
on first use with owner-only permissions. Without the key a pseudonym cannot be linked back to a
child reference by hashing candidate IDs; with the same key, the same LA child reference always
gets the same pseudonym, so returns of different years link up. The LA code is part of the
message: the same reference in two LAs is two children.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import pandas as pd

KEY_BYTES = 32
PSEUDONYM_CHARS = 24  # hex characters kept (96 bits): collisions negligible at national scale


def load_or_create_key(path: str | Path) -> bytes:
    """Read the key (hex) from ``path``; create it (mode 0600) if it does not exist."""
    path = Path(path)
    if path.exists():
        text = path.read_text().strip()
        key = bytes.fromhex(text)
        if len(key) < 16:
            raise ValueError(f"{path}: pseudonymisation key too short ({len(key)} bytes; expected {KEY_BYTES})")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    # Write to a private temporary file, then link it into place: atomic, and if another job
    # created the key first, the link fails and that job's key is used.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key.hex() + "\n")
    try:
        os.link(temporary, path)
    except FileExistsError:
        return load_or_create_key(path)
    finally:
        temporary.unlink()
    return key


def pseudonym(child_ref: str, la_code: str, key: bytes) -> str:
    message = f"{la_code}\x1f{child_ref.strip()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:PSEUDONYM_CHARS]


def pseudonymise_series(refs: pd.Series, la_code: str, key: bytes) -> pd.Series:
    """Pseudonym for each reference (missing stays missing); hashes each distinct value once."""
    refs = refs.astype("object")
    distinct = pd.unique(refs.dropna())
    # One keyed HMAC state copied per value: same digests as pseudonym(), without re-keying each time.
    keyed = hmac.new(key, f"{la_code}\x1f".encode(), hashlib.sha256)
    mapping = {}
    for ref in distinct:
        state = keyed.copy()
        state.update(str(ref).strip().encode("utf-8"))
        mapping[ref] = state.hexdigest()[:PSEUDONYM_CHARS]
    return refs.map(mapping).astype("object")


def episode_id(child_id: str, referral_date: str) -> str:
    """Stable episode ID: hash of the child pseudonym and the referral date (YYYY-MM-DD)."""
    return hashlib.sha256(f"{child_id}\x1f{referral_date}".encode()).hexdigest()[:PSEUDONYM_CHARS]
