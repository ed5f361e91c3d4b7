"""classified_episodes: the class assignments joined to the episodes' characteristics."""

from __future__ import annotations

import pandas as pd
import pytest

from csc_inequalities.lca.correction import classified_episodes


def test_only_classified_episodes_with_the_episode_tables_la():
    classes = pd.DataFrame(
        {"episode_id": ["e1", "e2", "e3"], "la_code": ["stale", "stale", "stale"], "class_id": [2.0, None, 1.0]}
    )
    episodes = pd.DataFrame(
        {"episode_id": ["e3", "e2", "e1"], "la_code": ["L3", "L2", "L1"], "gender": ["f", "m", "f"]}
    )
    out = classified_episodes(classes, episodes)
    assert out.to_dict("list") == {
        "episode_id": ["e1", "e3"],
        "class_id": [2.0, 1.0],
        "la_code": ["L1", "L3"],
        "gender": ["f", "f"],
    }


def test_an_episode_twice_in_the_episode_table_is_an_error():
    classes = pd.DataFrame({"episode_id": ["e1"], "la_code": ["L1"], "class_id": [1.0]})
    episodes = pd.DataFrame({"episode_id": ["e1", "e1"], "la_code": ["L1", "L1"]})
    with pytest.raises(pd.errors.MergeError):
        classified_episodes(classes, episodes)
