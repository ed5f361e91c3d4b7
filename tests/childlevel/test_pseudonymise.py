"""Keyed-hash pseudonyms: known HMAC value (computed with openssl), key file handling."""

from __future__ import annotations

import stat

import pandas as pd
import pytest

from csc_inequalities.childlevel.pseudonymise import (
    episode_id,
    load_or_create_key,
    pseudonym,
    pseudonymise_series,
)

KEY = bytes(range(32))


def test_pseudonym_is_hmac_sha256_of_la_and_reference():
    # printf 'E09000001\x1fCHILD0001' | openssl dgst -sha256 -mac HMAC -macopt hexkey:000102...1f
    assert (
        pseudonym("CHILD0001", "E09000001", KEY)
        == "c2f9e280130007ef9d456c21ff4d4fc220c94990e29a5257f83b68f386265d6b"[:24]
    )
    assert pseudonym("CHILD0001", "E09000002", KEY) != pseudonym("CHILD0001", "E09000001", KEY)
    assert pseudonym("CHILD0001", "E09000001", bytes(32)) != pseudonym("CHILD0001", "E09000001", KEY)


def test_episode_id_is_sha256_of_pseudonym_and_date():
    # printf 'abc123\x1f2016-06-01' | sha256sum
    assert episode_id("abc123", "2016-06-01") == "241935447795a8ae92361c32967c328e5a99d9308d948c86621e788aeb80600d"[:24]


def test_series_keeps_missing_and_maps_each_value_once():
    refs = pd.Series(["A1", None, "A1", "B2"])
    result = pseudonymise_series(refs, "E09000001", KEY)
    assert result[0] == result[2] == pseudonym("A1", "E09000001", KEY) and pd.isna(result[1])
    assert result[3] == pseudonym("B2", "E09000001", KEY)


def test_key_is_created_once_with_owner_only_permissions(tmp_path):
    path = tmp_path / ".secrets" / "pseudonymisation.key"
    key = load_or_create_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == key
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_short_key_is_refused(tmp_path):
    path = tmp_path / "k"
    path.write_text("abcd\n")
    with pytest.raises(ValueError, match="too short"):
        load_or_create_key(path)


def test_gitignore_covers_the_key_and_local_reports():
    from pathlib import Path

    ignored = (Path(__file__).resolve().parents[2] / ".gitignore").read_text().split()
    assert ".secrets/" in ignored and "/local/" in ignored and "/results/" in ignored
