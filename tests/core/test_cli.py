"""`crampvoice ask/chat/eval`, run as a person would run them: as a command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"

ROOT = Path(__file__).parents[2]


def crampvoice(
    *args: str, stdin: str | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crampvoice.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def one_line_refusal(result: subprocess.CompletedProcess[str]) -> str:
    """A refusal as a person should see it: one line on stderr, a non-zero exit."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("crampvoice")
    return lines[0]


def ask_json(*args: str) -> dict[str, object]:
    result = crampvoice("ask", "--json", *args)
    assert result.returncode == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_ask_json_contract_sms() -> None:
    data = ask_json("i have a cramp in my calf right now")
    assert {"intent", "triage", "text", "locale"} <= data.keys()
    assert data["intent"] == "relief_now"
    assert data["triage"] == "none"
    assert data["locale"] == "en-US"
    assert str(data["text"]).startswith("Straighten your leg and pull your toes up")


def test_ask_json_contract_voice_has_whole_ssml() -> None:
    data = ask_json(
        "--channel", "voice", "--locale", "en-GB", "my leg is swollen and I can't breathe"
    )
    assert data["triage"] == "emergency"
    ssml = str(data["ssml"])
    assert ssml.startswith("<speak>") and ssml.endswith("</speak>")
    assert "999" in ssml
    assert data["locale"] == "en-GB"


def test_issue_examples() -> None:
    assert ask_json("my left calf is swollen and hot and it hurts to walk")["triage"] == "urgent"
    for locale, number in (("en-GB", "999"), ("en-US", "911"), ("en-AU", "000")):
        data = ask_json("--locale", locale, "my calf is swollen and now I can't breathe properly")
        assert data["triage"] == "emergency"
        assert number in str(data["text"])
    assert ask_json("had a cramp last night, it's gone now, no swelling")["triage"] == "none"


def test_chat_keeps_state_between_turns() -> None:
    result = crampvoice("chat", "--channel", "voice", "--json", stdin="cramp\nnext\nnext\n")
    assert result.returncode == 0
    replies = [
        json.loads(line.removeprefix("> "))
        for line in result.stdout.splitlines()
        if line.startswith("> {")
    ]
    assert [r["state"].get("step", 0) for r in replies] == [0, 1, 2]


HAND_WRITTEN = [str(DATA / "triage_corpus.tsv"), str(DATA / "triage_holdout.tsv")]


def test_eval_prints_matrix_and_meets_targets_on_the_hand_written_corpora() -> None:
    result = crampvoice("eval", "--corpus", HAND_WRITTEN[0], "--corpus", HAND_WRITTEN[1])
    assert result.returncode == 0, result.stdout
    assert "recall emergency" in result.stdout and result.stdout.count("targets met") == 2


def test_eval_reports_every_corpus_from_any_directory(tmp_path: Path) -> None:
    result = crampvoice("eval", cwd=tmp_path)
    for name in ("triage_corpus", "triage_holdout", "real_dev", "real_holdout"):
        assert f"== {name}.tsv" in result.stdout
    # The exit status says whether every corpus meets its targets.
    assert (result.returncode == 0) == ("TARGETS NOT MET" not in result.stdout), result.stderr


def test_eval_shows_a_held_out_corpus_by_its_figures_only(tmp_path: Path) -> None:
    held_out = tmp_path / "my_holdout.tsv"
    held_out.write_text(
        "level\tlocale\ttext\nemergency\ten\tI can't breathe and my chest is tight\n"
        "none\ten\tHow do I stop cramps at night?\n",
        encoding="utf-8",
    )
    dev = tmp_path / "my_dev.tsv"
    dev.write_text(held_out.read_text(encoding="utf-8"), encoding="utf-8")
    shown = crampvoice("eval", "--corpus", str(dev), "--corpus", str(held_out)).stdout
    dev_part, held_part = shown.split("== my_holdout.tsv")
    assert "recall emergency" in held_part and "figures only" in held_part
    assert "How do I stop cramps" not in held_part and "chest is tight" not in held_part
    assert "figures only" not in dev_part
    # Asked for, its messages are listed like any other corpus's.
    listed = crampvoice("eval", "--corpus", str(held_out), "--show-held-out").stdout
    assert "figures only" not in listed


def test_eval_of_a_missing_corpus_is_one_line(tmp_path: Path) -> None:
    line = one_line_refusal(crampvoice("eval", "--corpus", "nowhere.tsv", cwd=tmp_path))
    assert "no corpus at nowhere.tsv" in line


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("bogus",), "invalid choice: 'bogus'"),
        (("ask",), "required: text"),
        (("ask", "--channel", "fax", "hi"), "invalid choice: 'fax'"),
        (("chat", "--locale", "en"), "names no country to text from"),
        (("chat", "--from", "12345"), "is not a phone number"),
    ],
)
def test_usage_mistakes_are_one_line(tmp_path: Path, args: tuple[str, ...], says: str) -> None:
    assert says in one_line_refusal(crampvoice(*args, stdin="", cwd=tmp_path))


def test_invalid_content_is_a_clear_error(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(ROOT / "shared", tmp_path / "shared")
    base = tmp_path / "shared" / "content" / "en.toml"
    base.write_text(base.read_text().replace("[meta]", "[meta]\nbogus = 1", 1))
    result = subprocess.run(
        [sys.executable, "-m", "crampvoice.cli", "ask", "hi"],
        capture_output=True,
        text=True,
        env={"CRAMPVOICE_CONTENT_DIR": str(tmp_path / "shared"), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 2
    assert "en.toml: meta.bogus: unknown key" in one_line_refusal(result)


def test_build_skill_finds_the_skill_folder_from_any_directory(tmp_path: Path) -> None:
    result = crampvoice("build-skill", "--check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not list(tmp_path.iterdir())  # nothing written where it was run


def test_ask_works_from_any_directory(tmp_path: Path) -> None:
    result = crampvoice("ask", "--locale", "en-GB", "my calf is swollen and I can't breathe",
                        cwd=tmp_path)
    assert result.returncode == 0 and "999" in result.stdout
