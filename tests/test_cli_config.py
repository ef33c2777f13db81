"""Project layout, kommune parameter files and the command line."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from unittest import mock

import pandas as pd
import pytest

from relkap import config
from relkap.cli import main
from relkap.errors import InstrumentError
from relkap.kommuner import KOMMUNER, kommune_name
from relkap.params import (
    KommuneParams,
    dump_kommune_params,
    kommune_params,
    load_all_kommune_params,
    load_kommune_params,
)


def test_paths_do_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert (config.ROOT / "pyproject.toml").is_file()
    assert config.resolve(None, config.REPORTS_DIR) == config.REPORTS_DIR
    assert config.resolve(tmp_path, config.DATA_DIR) == tmp_path
    # a project path typed where it does not exist (a notebook's kernel runs in notebooks/) is the project's
    assert config.resolve("params/instrument.yaml", config.INSTRUMENT_PATH) == config.INSTRUMENT_PATH


def test_a_users_relative_path_is_taken_from_the_current_folder(tmp_path, monkeypatch):
    """relkap.load("processed") and explore("processed") read the processed/ of the folder one stands in, as
    `relkap batch --data processed` does (they used to look in the project and say the tables are missing)."""
    import relkap
    from relkap import synth
    from relkap.io import import_raw

    synth.write_demo(tmp_path / "raw", n_kommuner=1, seed=3, respondents=15, interviews=False)
    import_raw(tmp_path / "raw", out_dir=tmp_path / "processed")
    (tmp_path / "params").mkdir()  # exists here and in the project: the current folder's
    monkeypatch.chdir(tmp_path)
    assert config.resolve("processed", config.PROCESSED_DIR) == tmp_path / "processed"
    assert config.resolve("params", config.PARAMS_DIR) == tmp_path / "params"
    assert config.resolve("new/out", config.REPORTS_DIR) == tmp_path / "new" / "out"  # not there yet: here
    assert relkap.load("processed").relations["kommune"].nunique() == 1


def test_98_kommuner_with_official_codes():
    assert len(KOMMUNER) == 98
    assert kommune_name(751) == "Aarhus" and kommune_name("766") == "Hedensted"
    assert kommune_name(175) == "Rødovre" and kommune_name(336) == "Stevns"
    with pytest.raises(KeyError, match="411"):  # Christiansø has a code but is not a kommune
        kommune_name(411)


def test_kommune_params_round_trip_and_errors(tmp_path):
    kp = KommuneParams(kommune=766, name="Hedensted", groups=["myndighed", "skole"],
                       focal_process="Underretninger", arm="intervention",
                       targeted_ties=[("myndighed", "skole")])
    p = tmp_path / "766.yaml"
    p.write_text(dump_kommune_params(kp), encoding="utf-8")
    assert load_kommune_params(p) == kp
    p.write_text(dump_kommune_params(kp).replace("intervention", "treatment"), encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"766.yaml: key 'arm'"):
        load_kommune_params(p)
    p.write_text(dump_kommune_params(kp).replace("kommune: 766", "kommune: 999"), encoding="utf-8")
    with pytest.raises(InstrumentError, match="999 is not the official code"):
        load_kommune_params(p)


def test_kommune_params_by_file_name_or_content_and_one_file_per_kommune(tmp_path):
    kp = KommuneParams(kommune=766, name="Hedensted", groups=["skole"], arm="control")
    (tmp_path / "hedensted.yaml").write_text(dump_kommune_params(kp), encoding="utf-8")  # any file name
    assert kommune_params(766, tmp_path) == kp
    assert kommune_params(336, tmp_path).source == "defaults"
    (tmp_path / "766.yaml").write_text(dump_kommune_params(kp.model_copy(update={"arm": "intervention"})),
                                       encoding="utf-8")
    assert kommune_params(766, tmp_path).arm == "intervention"  # <code>.yaml is read alone
    with pytest.raises(InstrumentError, match=r"hedensted.yaml: kommune 766 also has the parameter file 766.yaml"):
        load_all_kommune_params(tmp_path)  # the batch reads them all: two files for one kommune are refused


def _help(*args: str, columns: int = 80) -> str:
    """``relkap ARGS --help`` as a terminal ``columns`` wide shows it (argparse wraps to $COLUMNS, read when the
    help is formatted), in this process: the command itself runs in a process of its own in
    test_help_of_a_checkout_path_with_hyphens_and_spaces_wraps_but_says_it_whole."""
    out = io.StringIO()
    with mock.patch.dict(os.environ, {"COLUMNS": str(columns)}), contextlib.redirect_stdout(out), \
            pytest.raises(SystemExit) as exit_:
        main([*args, "--help"])
    assert exit_.value.code == 0
    return out.getvalue()


def test_help_lists_the_subcommands():
    out = _help()
    for cmd in ("synth", "import"):
        assert cmd in out


def test_cli_error_is_one_line_without_traceback(tmp_path, capsys):
    status = main(["import", str(tmp_path), "--instrument", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" not in err and "missing.yaml" in err


def _options(parser):
    """Every option of every subcommand: (subcommand, argparse action)."""
    import argparse

    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        for action in p._actions:
            if action.option_strings and not isinstance(action, argparse._HelpAction | argparse._VersionAction):
                yield name, action


def test_every_option_shows_its_default_in_help():
    from relkap.cli import build_parser

    missing = [f"{cmd} {'/'.join(a.option_strings)}" for cmd, a in _options(build_parser())
               if "default" not in (a.help or "")]
    assert not missing, missing
    # where the tables go without --out. argparse wraps long lines at hyphens too, so a checkout path with
    # hyphens (~/a-b/relkap-checkout) is only whole in a terminal wide enough for it
    out = _help("import", columns=100 + 2 * len(str(config.PROCESSED_DIR)))
    assert str(config.PROCESSED_DIR) in out
    assert "keyed by kommune and wave" in " ".join(_help("import").split())


def test_help_of_a_checkout_path_with_hyphens_and_spaces_wraps_but_says_it_whole(tmp_path):
    """The help's default path is the project's absolute path; a long one with hyphens and spaces is wrapped
    by argparse at any width, and whole at a width that fits it."""
    from relkap.cli import build_parser

    root = tmp_path / ("a very-long-path-with-hyphens-" * 4) / "relkap checkout"
    env = {**os.environ, "RELKAP_ROOT": str(root), "COLUMNS": "80"}
    narrow = subprocess.run([sys.executable, "-m", "relkap.cli", "import", "--help"], capture_output=True, text=True,
                            check=True, env=env).stdout
    processed = str(root / "data" / "processed")
    assert processed not in narrow  # wrapped: the reason the comparison needs the width
    env["COLUMNS"] = str(100 + 2 * len(processed))
    wide = subprocess.run([sys.executable, "-m", "relkap.cli", "import", "--help"], capture_output=True, text=True,
                          check=True, env=env).stdout
    assert processed in wide
    assert build_parser().prog == "relkap"


def test_version(capsys):
    import relkap

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"relkap {relkap.__version__}"


def test_help_is_english_and_lists_params():
    out = _help()
    assert "params" in out and "KODE" not in out
    batch = _help("batch")
    assert "CODE" in batch and "KODE" not in batch


def test_demo_import_never_mixes_into_a_teams_own_store(tmp_path, capsys):
    """`make demo` imports with --only-into-own: a store holding other files' data is refused, untouched."""
    from relkap import synth
    from relkap.io import import_raw

    own, demo, store = tmp_path / "own", tmp_path / "demo", tmp_path / "processed"
    synth.write_demo(own, n_kommuner=1, seed=3, respondents=20, interviews=False)
    synth.write_demo(demo, n_kommuner=2, seed=1, respondents=20, interviews=False)
    import_raw(own, out_dir=store)
    before = {p.name: p.read_bytes() for p in store.iterdir() if p.is_file()}
    assert main(["import", str(demo), "--out", str(store), "--only-into-own"]) == 2
    err = capsys.readouterr().err
    assert "already holds data from other files" in err and "employees/766/baseline" in err
    assert {p.name: p.read_bytes() for p in store.iterdir() if p.is_file()} == before
    # into its own (empty, or demo-only) store the same import goes ahead, and again on a rerun
    assert main(["import", str(demo), "--out", str(tmp_path / "demo_store"), "--only-into-own"]) == 0
    assert main(["import", str(demo), "--out", str(tmp_path / "demo_store"), "--only-into-own"]) == 0


def test_synthetic_and_own_data_never_mix_in_one_store_unless_asked(tmp_path, capsys):
    """`relkap synth` marks its files; importing them into a store of a team's own data, or own data into the
    demo's store, says so and stops, naming --mix-sources; nothing is written."""
    from relkap import synth
    from relkap.io import SYNTHETIC_MARK, import_raw, raw_origin
    from relkap.io.store import read_manifest

    demo_raw, own_raw = tmp_path / "demo" / "raw", tmp_path / "own"
    assert main(["synth", "--kommuner", "2", "--respondents", "15", "--no-interviews", "--out", str(demo_raw)]) == 0
    assert (demo_raw / SYNTHETIC_MARK).is_file() and raw_origin(demo_raw) == "synthetic"
    synth.write_demo(own_raw, n_kommuner=1, seed=3, respondents=15, interviews=False)  # stands in for own exports
    for f in own_raw.glob("*.csv"):  # of København, which the demo does not have
        t = pd.read_csv(f, sep=";", encoding="cp1252", dtype=str)
        t.assign(kommune="101").to_csv(f, sep=";", encoding="cp1252", index=False)
    assert raw_origin(own_raw) == "own"
    own_store, demo_store = tmp_path / "processed", tmp_path / "demo" / "processed"
    import_raw(own_raw, out_dir=own_store)
    import_raw(demo_raw, out_dir=demo_store)
    assert {v["origin"] for v in read_manifest(demo_store)["sources"].values()} == {"synthetic"}
    for raw, store, theirs in ((demo_raw, own_store, "survey data"), (own_raw, demo_store, "synthetic demo data")):
        before = {p.name: p.read_bytes() for p in store.iterdir() if p.is_file()}
        capsys.readouterr()
        assert main(["import", str(raw), "--out", str(store)]) == 2
        err = capsys.readouterr().err
        assert f"{store}: the store holds {theirs}" in err and "--mix-sources" in err and "would mix them" in err
        assert {p.name: p.read_bytes() for p in store.iterdir() if p.is_file()} == before
    # asked for: mixed, and the store records each kommune-wave's origin
    assert main(["import", str(demo_raw), "--out", str(own_store), "--mix-sources"]) == 0
    assert {v["origin"] for v in read_manifest(own_store)["sources"].values()} == {"synthetic", "own"}
    # the same kind again is no mixing
    assert main(["import", str(demo_raw), "--out", str(demo_store)]) == 0


def test_a_new_store_says_which_existing_key_it_uses(tmp_path, capsys):
    from relkap import synth

    synth.write_demo(tmp_path / "raw", n_kommuner=1, seed=3, respondents=15, interviews=False)
    assert main(["import", str(tmp_path / "raw"), "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "note: a new store: its pseudonyms are made with the existing key ($RELKAP_PSEUDONYM_KEY" in out
    assert main(["import", str(tmp_path / "raw"), "--out", str(tmp_path / "a")]) == 0
    assert "a new store" not in capsys.readouterr().out


def test_make_demo_uses_a_store_of_its_own():
    """`make demo` writes and reads only data/demo (and reports); `make clean` never removes a team's data."""
    text = (config.ROOT / "Makefile").read_text(encoding="utf-8")
    demo = text.split("\ndemo:")[1].split("\n\n")[0]
    assert "synth --kommuner 10 --seed 1 --waves 3 --out data/demo/raw" in demo
    assert "import data/demo/raw --out data/demo/processed" in demo
    assert "batch --research --data data/demo/processed --out reports" in demo
    assert "data/processed" not in demo.replace("data/demo/processed", "")
    clean = text.split("\nclean:")[1].split("\n\n")[0]
    assert "data/demo" in clean and "data/processed" not in clean.replace("data/demo", "")
    assert "data/demo/" in (config.ROOT / ".gitignore").read_text(encoding="utf-8").split()
