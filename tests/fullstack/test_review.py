"""The trainers' review inbox over real conversations: citizens talk to the running Seva over REST, its tracker
store (PostgreSQL, as in production) keeps the conversations, and `make review` and the console's review page read
them, accept, relabel and discard, and write what they accept into a copy of the training data."""

import html
import io
import re
import shutil
import time
import uuid

import pytest
import yaml
from sqlalchemy import select

from seva.catalogue import load_catalogue
from seva.models import Complaint, ReviewDecision
from seva.review import CANCELLED, LANGUAGE_BACK, TYPE_CHANGED
from seva.staff import Staff
from seva.workflow import TRAINER
from tests.helpers import ROOT, production_env
from tests.integration.test_console import PASSWORD, Browser
from tests.servers import StaffApiServer
from trainer import review
from trainer.training_data import DATA

pytestmark = pytest.mark.fullstack
GIBBERISH = "asdkjh qwpoeiru zzz"
WATER = "water is standing on the road after rain, Bishangarh Zirakpur"
HINDI = "mere ghar ke saamne kachra pada hai"


class Terminal(io.StringIO):
    """A trainer's answers, typed at a terminal."""

    def isatty(self):
        return True


def texts(replies):
    return "\n".join(r.get("text", "") for r in replies)


def payloads(replies):
    return [b["payload"] for r in replies for b in r.get("buttons", [])]


@pytest.fixture(scope="module")
def conversations(servers, database):
    """Five citizens, each leaving something for a trainer; the Unix time they began."""
    began = time.time()
    tag = uuid.uuid4().hex[:6]
    # Nonsense from three citizens (merged in one entry), the third cancelling the complaint it broke into.
    servers.say(f"review-a-{tag}", GIBBERISH)
    servers.say(f"review-b-{tag}", GIBBERISH + "z")
    servers.say(f"review-c-{tag}", "the streetlight is broken in Bishangarh Zirakpur")
    servers.say(f"review-c-{tag}", GIBBERISH)
    assert "dropped" in texts(servers.say(f"review-c-{tag}", "cancel"))

    # Read as a water-logged road; the citizen changes the problem at the summary to one about drains.
    citizen = f"review-d-{tag}"
    servers.say(citizen, WATER)
    assert "/affirm" in payloads(servers.say(citizen, "/skip"))
    servers.say(citizen, '/inform{"correction": "complaint_type"}')
    # Drains holds one service: the category tapped is the problem.
    (chosen,) = [s.code for s in load_catalogue().services.values() if s.category == "Drains"]
    assert "/affirm" in payloads(servers.say(citizen, '/inform{"complaint_category": "Drains"}'))
    assert "PB-PGR-" in texts(servers.say(citizen, "/affirm"))
    with database.session() as session:
        filed = session.scalar(select(Complaint.service_code).where(Complaint.sender_id == f"rest:{citizen}"))
    assert filed == chosen

    # Answered in Hindi, the citizen switches to English.
    servers.say(f"review-e-{tag}", HINDI)
    servers.say(f"review-e-{tag}", '/choose_language{"language": "en"}')
    return began, chosen


@pytest.fixture
def reviewing(servers, postgres_schema, live, tmp_path, monkeypatch):
    """`make review` against the running Seva's tracker store and database, on a copy of the training data."""
    for name, value in production_env(postgres_schema, "http://unused", tmp_path).items():
        monkeypatch.setenv(name, value)
    data = tmp_path / "nlu"
    shutil.copytree(DATA, data)

    def run(began, answers=None):
        out, err = io.StringIO(), io.StringIO()
        stdin = Terminal(answers) if answers is not None else io.StringIO("")
        argv = ["--endpoints", str(ROOT / "endpoints.production.yml"), "--data", str(data), "--as", "trainer.asha"]
        argv += ["--since", _iso(began)]
        code = review.main(argv, services=live, stdin=stdin, stdout=out, stderr=err)
        assert code == 0, err.getvalue()
        return out.getvalue()

    return run, data


def _iso(unix_time):
    from datetime import datetime, timezone

    return datetime.fromtimestamp(unix_time, tz=timezone.utc).isoformat()


def rows(table):
    """The table's rows as {column: value}, the message last (it may hold spaces)."""
    header, *lines = table.splitlines()[1:]
    columns = header.split()
    return [dict(zip(columns, re.split(r"\s{2,}", line.strip(), maxsplit=len(columns) - 1))) for line in lines]


def test_without_a_terminal_the_inbox_is_printed_as_a_table_most_frequent_first(conversations, reviewing):
    began, chosen = conversations
    run, _ = reviewing
    table = run(began)
    entries = rows(table)
    assert "Review inbox" in table.splitlines()[0] and "postgresql" in table.splitlines()[0]
    first = entries[0]
    # Nonsense in Latin letters is filed under whichever Latin-script cell the language guesser picks for it.
    assert first["cell"] in ("en", "hi-latn", "pa-latn") and first["message"].startswith("asdkjh")
    assert (first["seen"], first["chats"]) == ("4", "3")
    assert CANCELLED in first["why"]
    water = next(e for e in entries if e["message"] == WATER)
    assert TYPE_CHANGED in water["why"] and water["suggested"] == f"file_complaint / {chosen}"
    hindi = next(e for e in entries if e["message"] == HINDI)
    assert hindi["cell"] == "hi-latn" and LANGUAGE_BACK in hindi["why"]


def test_a_trainer_accepts_relabels_and_discards_and_the_training_data_and_the_inbox_follow(
    conversations, reviewing, database
):
    began, chosen = conversations
    run, data = reviewing
    entries = rows(run(began))
    order = [e["message"] for e in entries]
    answers = []
    for message in order:
        if message.startswith("asdkjh"):
            answers.append("d")
        elif message == WATER:
            answers.append("a")
        elif message == HINDI:
            # Relabelled: the intent kept, no type named, the cell kept.
            answers += ["r", "file_complaint", "GarbageNeedsTobeCleared", ""]
        else:
            answers.append("s")
    session = run(began, "\n".join(answers) + "\n")
    assert "Added to en.yml under file_complaint" in session and "Added to hi-latn.yml under file_complaint" in session

    def examples(cell):
        blocks = yaml.safe_load((data / f"{cell}.yml").read_text(encoding="utf-8"))["nlu"]
        return [line for b in blocks if b.get("intent") == "file_complaint" for line in b["examples"].splitlines()]

    assert f'- [{WATER}]{{"entity": "complaint_type", "value": "{chosen}"}}' in examples("en")
    assert f'- [{HINDI}]{{"entity": "complaint_type", "value": "GarbageNeedsTobeCleared"}}' in examples("hi-latn")
    assert not any("asdkjh" in path.read_text(encoding="utf-8") for path in data.glob("*.yml"))

    with database.session() as session:
        decided = {
            (d.text, d.decision, d.decided_by)
            for d in session.scalars(select(ReviewDecision).where(ReviewDecision.decided_by == "trainer.asha"))
        }
    assert (WATER, "accepted", "trainer.asha") in decided and (HINDI, "relabelled", "trainer.asha") in decided
    assert any(text.startswith("asdkjh") and decision == "discarded" for text, decision, _ in decided)

    # Decided once: none of the three comes back, and the rest waits as it was.
    left = [e["message"] for e in rows(run(began))]
    assert WATER not in left and HINDI not in left and not any(m.startswith("asdkjh") for m in left)
    assert left == [m for m in order if m not in (WATER, HINDI) and not m.startswith("asdkjh")]


# The console's review page


NONSENSE = "plonk vrrmm xqzt"
DRAIN = "naali ka ganda paani gali mein aa raha hai teen din se"


@pytest.fixture(scope="module")
def console(servers, postgres_schema, database, tmp_path_factory):
    """The staff console as deployed (the production endpoints file), on a copy of the training data; a trainer
    who signs in to it."""
    folder = tmp_path_factory.mktemp("console_review")
    data = folder / "nlu"
    shutil.copytree(DATA, data)
    env = production_env(postgres_schema, "http://unused", folder)
    env.update(ENDPOINTS=str(ROOT / "endpoints.production.yml"), TRAINING_DATA_DIR=str(data))
    running = StaffApiServer(env, folder / "console.log").start()
    trainer = f"trainer.{uuid.uuid4().hex[:6]}"
    staff = Staff(database, load_catalogue())
    staff.add(trainer, "Asha Rani", TRAINER, "pb.jalandhar")
    staff.set_password(trainer, PASSWORD)
    yield running, data, trainer
    running.stop()


def sections(page):
    """The review page's messages: {message: (key, cell)}."""
    found = {}
    for block in re.findall(r'<section class="card review".*?</section>', page.text, re.S):
        message = html.unescape(re.search(r'<p class="words"[^>]*>(.*?)</p>', block, re.S).group(1))
        key = html.unescape(re.search(r'name="key" value="([^"]*)"', block).group(1))
        cell = re.search(r'name="cell" value="([^"]*)"', block).group(1)
        found[message] = (key, cell)
    return found


def test_a_trainer_discards_and_relabels_on_the_console_and_the_training_data_and_the_inbox_follow(
    servers, console, database
):
    server, data, trainer = console
    began = time.time()
    tag = uuid.uuid4().hex[:6]
    servers.say(f"review-f-{tag}", NONSENSE)
    servers.say(f"review-g-{tag}", NONSENSE)
    # Answered in Hindi, the citizen switches to English: the inbox takes the message for a misread language.
    servers.say(f"review-h-{tag}", DRAIN)
    servers.say(f"review-h-{tag}", '/choose_language{"language": "en"}')
    (drains,) = [s.code for s in load_catalogue().services.values() if s.category == "Drains"]

    browser = Browser(server.url)
    assert browser.sign_in(trainer).headers["Location"] == "/"
    assert browser.get("/").headers["Location"] == "/review"
    # Conversations of this run only: the tracker store keeps those of earlier runs, decided in their own schemas.
    page = browser.get("/review", params={"since": _iso(began)})
    assert page.status_code == 200
    shown = sections(page)
    assert shown[NONSENSE][1] == "en" and "seen 2 times in 2 conversations" in page.text
    assert shown[DRAIN][1] == "hi-latn"
    csrf = browser.csrf("/review")

    discarded = browser.post(
        "/review", data={"csrf": csrf, "decision": "discard", "key": shown[NONSENSE][0], "cell": "en"}
    )
    assert (discarded.status_code, discarded.headers["Location"]) == (303, "/review?done=discard")
    relabelled = browser.post(
        "/review",
        data={
            "csrf": csrf,
            "decision": "relabel",
            "key": shown[DRAIN][0],
            "cell": "hi-latn",
            "intent": "file_complaint",
            "complaint_type": drains,
            "to_cell": "hi-latn",
        },
    )
    assert (relabelled.status_code, relabelled.headers["Location"]) == (303, "/review?done=accept")

    lines = (data / "hi-latn.yml").read_text(encoding="utf-8").splitlines()
    assert f'    - [{DRAIN}]{{"entity": "complaint_type", "value": "{drains}"}}' in lines
    assert not any(NONSENSE in line for line in (data / "en.yml").read_text(encoding="utf-8").splitlines())
    with database.session() as session:
        decided = {
            (d.text, d.decision)
            for d in session.scalars(select(ReviewDecision).where(ReviewDecision.decided_by == trainer))
        }
    assert decided == {(NONSENSE, "discarded"), (DRAIN, "relabelled")}

    left = sections(browser.get("/review", params={"since": _iso(began)}))
    assert NONSENSE not in left and DRAIN not in left
    again = browser.post(
        "/review",
        params={"since": _iso(began)},
        data={"csrf": csrf, "decision": "discard", "key": shown[DRAIN][0], "cell": "hi-latn"},
    )
    assert again.status_code == 409
