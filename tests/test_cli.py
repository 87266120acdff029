"""The command line as a new user meets it: version, options anywhere, help with examples,
errors in the CLI's own words, and the databases it finds by itself."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bot import __version__
from bot.cli import _parser, default_db, main
from bot.commands.treaty import Knowledge

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = Knowledge.load()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        status = main(list(argv))
    except SystemExit as exc:  # argparse: --version, --help, usage errors
        status = int(exc.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A per-user data directory of our own: the default databases live there."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    assert default_db("demo.sqlite").is_relative_to(tmp_path)
    return tmp_path / "data"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--version")
    assert status == 0 and out == f"treatywatch {__version__}\n"


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_works_before_or_after_the_command(
    where: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["demo", "--db", str(tmp_path / "d.sqlite")]
    argv = ["-v", *argv] if where == "before" else [*argv, "-v"]
    status, _, err = run(capsys, *argv)
    assert status == 0 and "INFO bot.poll: poll cycle: 10 feeds polled" in err


def test_without_verbose_the_one_shot_commands_log_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = run(capsys, "demo", "--db", str(tmp_path / "d.sqlite"))
    assert status == 0 and "■ " in out and err == ""


def test_json_logs_are_one_object_a_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = run(capsys, "demo", "--db", str(tmp_path / "d.sqlite"), "-v",
                           "--log-format", "json")
    records = [json.loads(line) for line in err.splitlines()]
    assert status == 0 and records
    cycles = [r for r in records if r["logger"] == "bot.poll"]
    posts = [r for r in records if r.get("action") == "posted"]
    edits = [r for r in records if r.get("action") == "edited"]
    assert cycles and {"feeds", "new_items", "new_stories", "errors", "seconds"} <= set(cycles[0])
    # One line per post and per edit: as many as the terminal shows.
    assert len(posts) == sum(line.startswith("■ ") for line in out.splitlines())
    assert len(edits) == sum(line.startswith("↻ ") for line in out.splitlines()) > 0


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_option_has_help_with_an_example_and_every_command_examples() -> None:
    parser = _parser()
    commands = _subparsers(parser)
    assert set(commands) >= {"demo", "check-config", "poll", "replay", "article", "ask",
                             "timeline", "digest", "run", "backup"}
    for name, command in [("", parser), *commands.items()]:
        if name:
            assert command.epilog and command.epilog.startswith("examples:\n"), name
            assert command.description, name
        for action in command._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            assert action.help and "e.g." in action.help, (name, action.dest)


def test_help_shows_the_examples(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "digest", "--help")
    assert status == 0 and "examples:\n" in out and "digest --week 2025-W17" in out


def test_ask_refuses_k_zero_in_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "ask", "-k", "0", "sanctions")
    assert status == 2 and out == ""
    assert err.splitlines()[-1].endswith(
        "error: argument -k: The count must be a whole number from 1 to 10.")


@pytest.mark.parametrize("ref", ["4.5", "4,5", "article 4.5", "1/2"])
def test_article_refuses_a_number_that_is_not_whole(
    ref: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "article", ref)
    assert status == 2 and out == ""
    assert "is not an article number: articles are whole numbers, 0 (the preamble) to 23" in err


def test_errors_name_the_cli_syntax_not_the_slash_command(
    capsys: pytest.CaptureFixture[str], data_home: Path
) -> None:
    status, _, err = run(capsys, "article", "pizza", "party")
    assert status == 2
    assert 'treatywatch ask "QUESTION"' in err and "/ask" not in err  # how pytest starts us


def test_an_article_summary_is_shown_whole(
    capsys: pytest.CaptureFixture[str], data_home: Path
) -> None:
    longest = max(KNOWLEDGE.treaty.articles, key=lambda a: len(a.summary))
    assert len(longest.summary) > 480
    status, out, _ = run(capsys, "article", str(longest.number))
    assert status == 0 and " ".join(longest.summary.split()) in " ".join(out.split())


def test_backup_refuses_a_directory_that_does_not_exist(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "d.sqlite"
    run(capsys, "demo", "--db", str(db))
    target = tmp_path / "no" / "such" / "copy.sqlite"
    status, out, err = run(capsys, "backup", str(target), "--db", str(db))
    assert status == 1 and out == ""
    assert err == f"error: {tmp_path / 'no' / 'such'}: no such directory; create it first\n"
    assert not (tmp_path / "no").exists()


def test_digest_and_article_use_the_demos_database_when_the_bot_has_none(
    capsys: pytest.CaptureFixture[str], data_home: Path, tmp_path: Path
) -> None:
    assert run(capsys, "demo")[0] == 0
    assert default_db("demo.sqlite").exists() and not default_db("treatywatch.sqlite").exists()
    status, out, err = run(capsys, "digest", "--week", "2025-W17")
    assert status == 0 and "2 stories this week." in out, err
    assert (tmp_path / "digest-2025-W17.png").exists()
    status, out, _ = run(capsys, "article", "4")
    assert status == 0 and "Stories citing it:" in out


def test_article_says_how_many_citing_stories_it_shows(
    capsys: pytest.CaptureFixture[str], data_home: Path
) -> None:
    run(capsys, "demo")
    status, out, _ = run(capsys, "article", "4")
    in_all = int(out.split(" in all")[0].rsplit("· ", 1)[1])
    shown = sum(line.startswith("    • ") for line in out.splitlines())
    assert status == 0 and in_all > shown == 5
    assert f"(the 5 newest of {in_all} stories)" in out


def test_without_any_database_digest_says_which_db_to_pass(
    capsys: pytest.CaptureFixture[str], data_home: Path
) -> None:
    status, out, err = run(capsys, "digest")
    assert status == 2 and out == ""
    assert str(default_db("treatywatch.sqlite")) in err and str(default_db("demo.sqlite")) in err
    assert "--db FILE" in err and err.count("\n") == 1
    assert not default_db("demo.sqlite").exists()
