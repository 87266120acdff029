"""The first hour of a new user, end to end: a fresh clone, a fresh virtual environment, the
README's Quick start, then each thing a newcomer tries, checked.

This installs treatywatch from a `git clone` of this checkout (its last commit: uncommitted
changes are not in it) into a new venv with `pip install .`, so it takes a minute or two
(pip's cache makes it quicker). It runs with the suite. The README's second command (the
whole test suite, in that clone) runs too when TREATYWATCH_NEW_USER_FULL=1:

    TREATYWATCH_NEW_USER_FULL=1 python -m pytest tests/test_new_user.py

Set TREATYWATCH_SKIP_NEW_USER=1 to leave the whole module out (the full run sets it for the
suite it starts, which would otherwise start itself again).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

pytestmark = pytest.mark.skipif(
    os.environ.get("TREATYWATCH_SKIP_NEW_USER") == "1" or shutil.which("git") is None
    or not (ROOT / ".git").exists(),
    reason="needs git and a git checkout; or left out on purpose",
)


@dataclass(frozen=True)
class Machine:
    clone: Path  # the fresh clone, the working directory of the Quick start
    home: Path  # a clean user: HOME and XDG_DATA_HOME, so the default databases are new
    python: Path  # the fresh venv's
    demo: subprocess.CompletedProcess[str]  # the README's first command

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items()
                if k.startswith(("PIP_", "LANG", "LC_")) or k in ("PATH", "TMPDIR")}
        return {**keep, "HOME": str(self.home), "XDG_DATA_HOME": str(self.home / "data"),
                "PYTHONDONTWRITEBYTECODE": "1"}

    def bot(self, *argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """`python -m bot ARGV` in the clone, as the README has it."""
        return subprocess.run([str(self.python), "-m", "bot", *argv], cwd=cwd or self.clone,
                              env=self.env(), capture_output=True, text=True, timeout=300)


def quick_start_commands() -> list[str]:
    """The README's Quick start, as written: each ```sh block under it, in order."""
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL)]


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory) -> Machine:
    base = tmp_path_factory.mktemp("new-user")
    clone, home = base / "treatywatch", base / "home"
    home.mkdir()
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True,
                   capture_output=True, timeout=120)
    subprocess.run([sys.executable, "-m", "venv", str(clone / ".venv")], check=True,
                   timeout=300)
    python = clone / ".venv" / "bin" / "python"
    first, _ = quick_start_commands()
    assert first == "pip install . && python -m bot demo", first
    env = {**Machine(clone, home, python, None).env(),  # type: ignore[arg-type]
           "PATH": f"{clone / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    # The command exactly as a user types it, in the venv's shell environment.
    demo = subprocess.run(["sh", "-c", first], cwd=clone, env=env, capture_output=True,
                          text=True, timeout=1800)
    assert demo.returncode == 0, demo.stderr[-3000:]
    return Machine(clone, home, python, demo)


def alerts(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("■ ")]


def test_the_demo_prints_alerts_in_publication_order_and_an_edit(machine: Machine) -> None:
    out = machine.demo.stdout
    times = re.findall(r"^  — Story #\d+ · \d+ outlets? · (.+) UTC$", out, re.MULTILINE)
    assert len(alerts(out)) >= 10 and len(times) == len(alerts(out))
    assert [datetime.fromisoformat(t) for t in times] == sorted(
        datetime.fromisoformat(t) for t in times)
    assert re.search(r"^↻ Story #\d+ edited in place, now \d+ outlets \(\+ ", out, re.MULTILINE)


def test_the_demo_keeps_quiet_on_stderr_and_breaks_no_url(machine: Machine) -> None:
    assert machine.demo.stderr.count("error") == 0
    assert "Traceback" not in machine.demo.stderr
    for line in machine.demo.stdout.splitlines():
        assert not re.search(r"https?://\S*-$", line), line  # a URL cut at a hyphen


def test_the_demo_writes_a_chart_in_the_users_data_directory(machine: Machine) -> None:
    chart = machine.home / "data" / "treatywatch" / "charts" / "digest-2025-W17.png"
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert f"Chart: {chart}" in machine.demo.stdout


def test_the_installed_package_ships_its_default_feeds_as_a_real_file(machine: Machine) -> None:
    code = ("import importlib.resources as r, pathlib; "
            "p = pathlib.Path(str(r.files('bot') / 'data' / 'default_feeds.yaml')); "
            "print(p.is_symlink(), p.stat().st_size, 'site-packages' in str(p))")
    done = subprocess.run([str(machine.python), "-c", code], cwd=machine.home,
                          env=machine.env(), capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", str((ROOT / "feeds.yaml").stat().st_size), "True"]


def test_a_second_demo_run_prints_no_new_alerts(machine: Machine) -> None:
    again = machine.bot("demo")
    assert again.returncode == 0 and alerts(again.stdout) == []
    assert "No new alerts" in again.stdout


def test_version_and_verbose_after_the_command(machine: Machine) -> None:
    assert machine.bot("--version").stdout.startswith("treatywatch ")
    loud = machine.bot("demo", "--db", str(machine.home / "v.sqlite"), "-v", "--log-format",
                       "json")
    records = [json.loads(line) for line in loud.stderr.splitlines()]
    assert loud.returncode == 0 and any(r["logger"] == "bot.poll" for r in records)


def test_digest_and_article_find_the_demos_database(machine: Machine) -> None:
    digest = machine.bot("digest", "--week", "2025-W17", "--out", str(machine.home))
    assert digest.returncode == 0, digest.stderr
    assert "Weekly digest, 2025-W17" in digest.stdout
    article = machine.bot("article", "4")
    assert article.returncode == 0 and "Stories citing it:" in article.stdout
    assert re.search(r"\(the 5 newest of \d+ stories\)", article.stdout)


def test_answers_and_refusals_in_the_clis_words(machine: Machine) -> None:
    visa = machine.bot("ask", "visa-free travel?")
    assert visa.returncode == 0 and "I found no article of the treaty that answers" in visa.stdout
    ukraine = machine.bot("ask", "does it mention Ukraine?")
    assert "Article 18" not in ukraine.stdout and "No answer" in ukraine.stdout
    half = machine.bot("article", "4.5")
    assert half.returncode == 2 and "is not an article number" in half.stderr
    none = machine.bot("ask", "-k", "0", "sanctions")
    assert none.returncode == 2 and "must be a whole number from 1 to 10" in none.stderr
    words = machine.bot("article", "pizza", "party")
    assert 'python -m bot ask "QUESTION"' in words.stderr and "/ask" not in words.stderr


def test_backup_refuses_a_missing_directory(machine: Machine) -> None:
    demo_db = machine.home / "data" / "treatywatch" / "demo.sqlite"
    done = machine.bot("backup", str(machine.home / "nowhere" / "copy.sqlite"), "--db",
                       str(demo_db))
    assert done.returncode == 1 and "no such directory" in done.stderr
    assert not (machine.home / "nowhere").exists()


def test_check_config_refuses_what_run_refuses(machine: Machine, tmp_path: Path) -> None:
    good = (machine.clone / "feeds.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "feeds.yaml"
    bad.write_text(good.replace("language: en", "language: english", 1), encoding="utf-8")
    checked = machine.bot("check-config", str(bad))
    assert checked.returncode == 2 and "unknown language 'english'" in checked.stderr
    env_token = machine.env() | {"DISCORD_TOKEN": "a-token-that-is-never-used"}
    run = subprocess.run([str(machine.python), "-m", "bot", "run", "--config", str(bad)],
                         cwd=tmp_path, env=env_token, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2 and run.stderr == checked.stderr


def test_poll_exits_non_zero_when_nothing_could_be_fetched(
    machine: Machine, tmp_path: Path
) -> None:
    config = yaml.safe_load((machine.clone / "feeds.yaml").read_text(encoding="utf-8"))
    config["feeds"] = [{"name": "Nowhere", "url": "http://127.0.0.1:9/feed"}]  # discard port
    config["fetch"] = {"allow_private": True}
    path = tmp_path / "offline.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    done = machine.bot("poll", "--config", str(path), "--db", str(tmp_path / "p.sqlite"))
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "polled 1/1:" in done.stderr and "no feed could be fetched" in done.stderr


@pytest.mark.skipif(os.environ.get("TREATYWATCH_NEW_USER_FULL") != "1",
                    reason="the whole suite again, in the clone: TREATYWATCH_NEW_USER_FULL=1")
def test_the_readmes_second_command_passes_in_the_clone(machine: Machine) -> None:
    _, second = quick_start_commands()
    assert second == 'pip install -e ".[test]" && python -m pytest', second
    env = machine.env() | {
        "PATH": f"{machine.clone / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "TREATYWATCH_SKIP_NEW_USER": "1"}
    done = subprocess.run(["sh", "-c", second], cwd=machine.clone, env=env,
                          capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stdout[-5000:]
