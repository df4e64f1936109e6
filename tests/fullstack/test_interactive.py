"""`rasa interactive` at a real terminal, as a trainer runs it with `make interactive`: the served model, the
session's action server, a greeting whose reading and actions are confirmed, then Export & Quit."""

import os
import re
from typing import List

import pexpect
import pytest
import yaml

from tests.helpers import ROOT
from tests.servers import BIN, free_port

pytestmark = pytest.mark.fullstack
# questionary colours its prompts: escape sequences stand between a question and its "(Y/n)" or its answer.
STYLE = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"
UP, ENTER, CTRL_C, CTRL_U = "\x1b[A", "\r", "\x03", "\x15"
LOADING, STEP = 300, 120


def confirm(child: pexpect.spawn, question: str) -> re.Match[str]:
    """Answers yes to the next question matching `question`; in the match, group 1 is the question."""
    child.expect(f"({question}) {STYLE}\\(Y/n\\)", timeout=STEP)
    asked = child.match
    child.send("y")
    # A question may be drawn more than once: the next one is awaited only once this one shows its answer.
    child.expect(f"{re.escape(asked.group(1))} {STYLE}Yes", timeout=STEP)
    return asked


def choose_last(child: pexpect.spawn) -> None:
    """Picks the last choice of a list (the pointer starts on the first, and goes round)."""
    child.expect("Use arrow keys", timeout=STEP)
    child.send(UP + ENTER)


def test_a_greeting_taught_in_rasa_interactive_is_exported_as_a_story_and_an_nlu_example(
    servers, trained_model, tmp_path
):
    # `make interactive`'s endpoints, with the session's action server and a tracker store of the test's own.
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{servers.action_port}/webhook"
    endpoints["tracker_store"]["db"] = str(tmp_path / "conversations.db")
    (tmp_path / "endpoints.yml").write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    exported = {
        "stories": tmp_path / "stories.yml",
        "NLU data": tmp_path / "nlu.yml",
        "domain file": tmp_path / "domain.yml",
    }

    child = pexpect.spawn(
        str(BIN / "rasa"),
        ["interactive", "--model", str(trained_model), "--endpoints", str(tmp_path / "endpoints.yml")]
        + ["--skip-visualization", "--port", str(free_port())],
        cwd=str(ROOT),
        # The pty never answers prompt_toolkit's cursor-position requests, which it would wait for.
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TF_CPP_MIN_LOG_LEVEL": "2"},
        encoding="utf-8",
        dimensions=(60, 240),
        timeout=STEP,
    )
    child.logfile_read = (tmp_path / "interactive.log").open("w", encoding="utf-8")
    try:
        child.expect("Your input ->", timeout=LOADING)
        child.sendline("hello")
        # Either of Rasa's two questions (with entities or without), so that a wrong reading fails at once.
        reading = confirm(child, r"(?:Your NLU model classified|Is the intent) .*?\?")
        assert reading.group(1) == (
            "Your NLU model classified 'hello' with intent 'greet' and there are no entities, is this correct?"
        )

        actions: List[str] = []
        while not actions or actions[-1] != "action_listen":
            actions.append(confirm(child, r"The bot wants to run '(\w+)', correct\?").group(2))
        assert actions == ["utter_greet", "utter_menu", "action_listen"]

        # The menu's buttons: Ctrl-C at a list of buttons would end Rasa without exporting (RasaHQ/rasa#4781),
        # so the last choice, to type a message, comes first.
        child.expect(r"What would you like to do\?", timeout=STEP)
        choose_last(child)
        child.expect("Your input ->", timeout=STEP)
        child.send(CTRL_C)
        child.expect("Do you want to stop", timeout=STEP)
        # Export & Quit.
        choose_last(child)
        for what, path in exported.items():
            child.expect(f"Export {what} to", timeout=STEP)
            # Rasa's default path (data/stories.yml, data/nlu.yml, domain.yml) is typed in already.
            child.send(CTRL_U)
            child.sendline(str(path))
        child.expect(pexpect.EOF, timeout=STEP)
    finally:
        child.close(force=True)
        child.logfile_read.close()
    assert child.exitstatus == 0

    # What Seva said and offered, in the chat history Rasa prints before each question.
    transcript = re.sub(STYLE, "", (tmp_path / "interactive.log").read_text(encoding="utf-8"))
    assert "I am Seva, the complaints assistant" in transcript
    assert "File a complaint (/file_complaint)" in transcript

    (story,) = yaml.safe_load(exported["stories"].read_text(encoding="utf-8"))["stories"]
    steps = story["steps"]
    assert steps[0] == {"intent": "greet"}
    assert [step["action"] for step in steps if "action" in step] == ["utter_greet", "utter_menu"]
    nlu = yaml.safe_load(exported["NLU data"].read_text(encoding="utf-8"))["nlu"]
    assert nlu == [{"intent": "greet", "examples": "- hello\n"}]
