"""The codebooks validate, key answers as DOMAIN.md says, and a wrong codebook names its key."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from relkap import config
from relkap.errors import InstrumentError
from relkap.instrument import load_instrument


@pytest.fixture(scope="module")
def rk():
    return load_instrument()


def test_rk_codebook_has_the_issue_contents(rk):
    assert rk.relational_codes == ["kendskab", "respekt", "bidrag", "videndeling", "problemloesning", "innovation"]
    assert len(rk.groups) >= 8
    assert "myndighed" in rk.group_codes
    assert {s.code for s in rk.scales_for("employee")} == {"vision", "deltagelse", "ramme", "involvering", "motivation"}
    assert {s.code for s in rk.scales_for("citizen")} == {"samskabelse", "tilfredshed", "effekt"}
    structures = rk.scales_for("structures")
    assert {s.code for s in structures} == {"organisering", "strukturer", "processer", "strategier"}
    assert all(len(s.items) == 1 for s in structures)
    # items are named <scale>_<n>
    for s in rk.scales:
        assert all(i.rsplit("_", 1)[0] == s.code and i.rsplit("_", 1)[1].isdigit() for i in s.items)
    assert rk.scale.options == 5 and rk.missing_codes == [9] and rk.min_items == 4


def test_labels_in_danish_and_english(rk):
    assert rk.label("myndighed") == "Myndighedsrådgivere"
    assert rk.label("myndighed", "en") == "Case managers"
    assert rk.labels("en")["respekt"] == "Mutual respect"


def test_keying_positive_reverse_and_missing(rk):
    np.testing.assert_array_equal(rk.key("respekt", [1, 3, 5, 9]), [1, 3, 5, np.nan])
    # reverse keying: (min + max) - raw = 6 - raw
    np.testing.assert_array_equal(rk.key("motivation_4", [1, 2, 5, 9]), [5, 4, 1, np.nan])


def test_rc7_frequency_item_is_scored_non_monotonically():
    rc = load_instrument("params/instrument_rc7.yaml")
    assert len(rc.relational) == 7
    # DOMAIN.md: positions 1..5 score 1, 3, 5, 4, 2 ("just the right amount" is best)
    np.testing.assert_array_equal(rc.key("frequent", [1, 2, 3, 4, 5, 9]), [1, 3, 5, 4, 2, np.nan])
    assert [r.subscale for r in rc.relational].count("communication") == 4


def _write(tmp_path, data):
    p = tmp_path / "instrument.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def _base():
    return yaml.safe_load(config.INSTRUMENT_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda d: d["relational"][2].update(keying="sideways"), "relational.2.keying"),
        (lambda d: d["scale"].update(max=0), "scale"),
        (lambda d: d.update(min_items=0), "min_items"),
        (lambda d: d["groups"][0].update(code="Myndighed Råd"), "groups.0.code"),
        (lambda d: d["scales"][4].update(reverse=["motivation_9"]), "scales.4"),
        (lambda d: d.update(colour="blue"), "colour"),
    ],
)
def test_wrong_codebook_names_the_key(tmp_path, mutate, key):
    data = _base()
    mutate(data)
    with pytest.raises(InstrumentError) as exc:
        load_instrument(_write(tmp_path, data))
    assert f"key '{key}" in str(exc.value)
    assert "instrument.yaml" in str(exc.value)


def test_missing_code_inside_the_scale_is_rejected(tmp_path):
    data = _base()
    data["missing_codes"] = [3]
    with pytest.raises(InstrumentError, match="missing code 3 lies inside the scale"):
        load_instrument(_write(tmp_path, data))


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(InstrumentError, match="not found"):
        load_instrument(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("scale: [1, 5\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match="not valid YAML"):
        load_instrument(bad)


def _three_waves() -> list[dict]:
    return [{"code": "baseline", "da": "Førmåling", "en": "Baseline", "date": "2025-03"},
            {"code": "midtvejs", "da": "Midtvejsmåling", "en": "Midway"},
            {"code": "followup", "da": "Eftermåling", "en": "Follow-up", "date": "forår 2027"}]


def test_waves_are_an_ordered_list_with_names_and_dates(tmp_path):
    data = _base()
    data["waves"] = _three_waves()
    inst = load_instrument(_write(tmp_path, data))
    w = inst.waves
    assert w.codes == ["baseline", "midtvejs", "followup"] and len(w) == 3
    assert (w.first, w.latest, w.previous(), w.previous("midtvejs"), w.previous("baseline")) == (
        "baseline", "followup", "midtvejs", "baseline", None)
    assert (w.baseline, w.followup) == ("baseline", "followup")  # the two-wave comparison: first and latest
    assert w.name("midtvejs", "da") == "Midtvejsmåling" and w.name("followup", "en") == "Follow-up"
    assert w.get("baseline").date == "2025-03" and w.get("midtvejs").date is None
    assert w.present(["followup", "baseline", "x"]) == ["baseline", "followup"]
    with pytest.raises(KeyError, match="baseline, midtvejs, followup"):
        w.index("x")
    one = _base()
    one["waves"] = [{"code": "t0", "da": "Måling 2025", "en": "Wave 2025"}]
    single = load_instrument(_write(tmp_path, one)).waves
    assert single.codes == ["t0"] and single.first == single.latest == "t0" and single.previous() is None


def test_old_two_wave_codebook_loads_unchanged(tmp_path, rk):
    data = _base()
    data["waves"] = {"baseline": "t0", "followup": "t1"}
    old = load_instrument(_write(tmp_path, data)).waves
    assert old.codes == ["t0", "t1"] and old.name("t0") == "Førmåling" and old.name("t1", "en") == "Follow-up"
    # the packaged list form and the old form {baseline: baseline, followup: followup} are the same codebook
    data["waves"] = {"baseline": "baseline", "followup": "followup"}
    assert load_instrument(_write(tmp_path, data)) == rk
    del data["waves"]
    assert load_instrument(_write(tmp_path, data)).waves == rk.waves


@pytest.mark.parametrize(("waves", "words"), [
    ({"baseline": "baseline", "midtvejs": "midtvejs", "followup": "followup"}, "waves is an ordered list"),
    ([], "at least 1"),
    ([{"code": "a", "da": "A", "en": "A"}, {"code": "a", "da": "B", "en": "B"}], "duplicate wave codes: ['a']"),
    ([{"code": "a", "da": "A"}], "waves.0.en"),
])
def test_wrong_waves_name_the_key_and_the_fix(tmp_path, waves, words):
    data = _base()
    data["waves"] = waves
    with pytest.raises(InstrumentError) as exc:
        load_instrument(_write(tmp_path, data))
    assert words in str(exc.value) and "key 'waves" in str(exc.value)
