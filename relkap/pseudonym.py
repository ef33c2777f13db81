"""Pseudonyms: the key (``$RELKAP_PSEUDONYM_KEY`` or the git-ignored ``.relkap_key`` file) and the keyed hash
that replaces every raw respondent id (README, "Tidy data contract").

The same key gives the same pseudonyms in a later import, so baseline and follow-up imported apart still
link; a store records the key's :func:`key_fingerprint` and refuses another key (:func:`key_for_store`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

from . import config
from .errors import InputError
from .files import write_text

__all__ = ["pseudonymise", "pseudonym_key", "key_fingerprint", "key_for_store", "key_file", "KEY_ENV", "KEY_FILE"]

KEY_ENV = "RELKAP_PSEUDONYM_KEY"
KEY_FILE = ".relkap_key"


def pseudonymise(kommune, raw_id, key: bytes) -> pd.Series:
    """Keyed hash (HMAC-SHA256, 16 hex characters) of kommune and raw respondent id.

    The same raw id in the same kommune gets the same pseudonym in both waves; without the key the raw id
    cannot be recovered or checked.

    Examples
    --------
    >>> ids = pseudonymise([751, 751, 766], ["A7", "A7", "A7"], b"doc")
    >>> ids[0] == ids[1], ids[0] == ids[2], len(ids[0])
    (True, False, 16)
    """
    pairs = pd.DataFrame({"k": np.asarray(kommune).astype("int64"), "i": np.asarray(raw_id, dtype=object)})
    codes, uniques = pd.factorize(pairs["k"].astype(str) + "\x1f" + pairs["i"].astype(str))
    hashed = np.array([hmac.new(key, u.encode("utf-8"), hashlib.sha256).hexdigest()[:16] for u in uniques],
                      dtype=object)
    return pd.Series(hashed[codes], dtype="string")


def pseudonym_key(create: bool = True) -> bytes:
    """The pseudonymisation key: ``$RELKAP_PSEUDONYM_KEY``, else the git-ignored ``.relkap_key`` file in the
    project root (created with a random key the first time). Keep it: the same key gives the same pseudonyms
    in a later import, so baseline and follow-up imported apart still link."""
    key, _ = _pseudonym_key(create)
    if key is None:
        raise InputError(key_file(), "no pseudonymisation key", fix=f"Set {KEY_ENV} or create {KEY_FILE}")
    return key


def key_fingerprint(key: bytes) -> str:
    """A short keyed hash that tells two keys apart without revealing either (stored with the tables)."""
    return hmac.new(key, b"relkap pseudonym key fingerprint", hashlib.sha256).hexdigest()[:16]


def key_for_store(out: Path, stored: str | None, has_data: bool) -> tuple[bytes, Path | None]:
    """The pseudonym key for adding to the store in ``out``, and the key file if this call created it.

    ``stored`` is the :func:`key_fingerprint` the store was made with (``None`` for a new store), and
    ``has_data`` whether the import keeps any of its tables. Then the key is never created, and a key that
    is not the stored one is refused: the same respondents would get other pseudonyms.
    """
    key, created = _pseudonym_key(create=not (stored and has_data))
    if key is None:
        raise InputError(out, f"the processed tables were pseudonymised with a key, but the key file {key_file()}"
                         f" is missing and {KEY_ENV} is not set",
                         fix="Restore the key file from your backup (the same respondents must get the same"
                         " pseudonyms), or rebuild the tables from every raw file: relkap import RAW --rebuild")
    if stored and has_data and key_fingerprint(key) != stored:
        raise InputError(out, "the pseudonym key is not the one the processed tables were made with: the same"
                         " respondents would get other pseudonyms and the waves would no longer link",
                         fix=f"Restore the key file {key_file()} (or {KEY_ENV}) the tables were made with, or"
                         " rebuild them from every raw file with this key: relkap import RAW --rebuild")
    return key, created


def key_file() -> Path:
    """Where the key file is: ``.relkap_key`` in the project root."""
    return config.ROOT / KEY_FILE


def _pseudonym_key(create: bool = True) -> tuple[bytes | None, Path | None]:
    """The key (``None`` when there is none and ``create`` is false) and the key file if this call made it."""
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode("utf-8"), None
    path = key_file()
    if path.exists():
        return path.read_text(encoding="utf-8").strip().encode("utf-8"), None
    if not create:
        return None, None
    key = secrets.token_hex(32)
    write_text(path, key + "\n", mode=0o600)  # atomic, private to the user
    return key.encode("utf-8"), path
