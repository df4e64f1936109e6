"""The administrator's command line, run in-process against real databases (a SQLite file and PostgreSQL)."""

import csv
import io
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from seva.complaints import Draft
from seva.models import Notification, StaffToken
from seva.storage import utcnow
from staff import cli
from tests.helpers import DOWN_DATABASE_URL, ROOT, services_on

PUNJABI = "ਸਾਡੀ ਗਲੀ ਦੀ ਬੱਤੀ ਇੱਕ ਹਫ਼ਤੇ ਤੋਂ ਬੰਦ ਹੈ"


def run(services, *argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), services=services, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def file(complaints, key, service="StreetLightNotWorking", city="pb.jalandhar", age=timedelta(0), **draft):
    values = dict(
        description="the streetlight outside my house is dead",
        locality_code="JLC373",
        locality_name="Model Town",
        latitude=31.326,
        longitude=75.5762,
    )
    values.update(draft)
    view, _ = complaints.file(
        f"citizen-{key}", "whatsapp", "pa", Draft(service, city, **values), key, now=utcnow() - age
    )
    return view.number


def test_staff_users_and_their_tokens(services):
    code, out, _ = run(services, "add-user", "asha", "--name", "Asha Rani", "--role", "lme", "--city", "pb.jalandhar")
    assert code == 0 and "asha" in out and "LME" in out and "pb.jalandhar" in out
    run(services, "add-user", "ravi", "--name", "Ravi", "--role", "GRO", "--city", "pb.amritsar")

    code, out, _ = run(services, "token", "asha")
    token = out.splitlines()[0]
    assert code == 0 and "will not be shown again" in out
    staff = services.staff
    assert staff.authenticate(token).username == "asha"
    with services.database.session() as session:
        stored = session.scalars(select(StaffToken)).all()
        assert len(stored) == 1 and all(token not in str(vars(row)) for row in stored)

    code, out, _ = run(services, "users", "--city", "pb.jalandhar")
    assert code == 0 and "asha" in out and "ravi" not in out and "1 in all" in out

    assert run(services, "revoke", "asha")[:2] == (0, "revoked 1 token(s) of asha\n")
    assert staff.authenticate(token) is None
    assert run(services, "deactivate", "ravi")[0] == 0
    assert [m.active for m in staff.members("pb.amritsar")] == [False]
    assert run(services, "token", "ravi")[:3:2] == (1, "error: ravi is deactivated\n")


@pytest.mark.parametrize(
    "argv, message",
    [
        (("add-user", "asha", "--name", "A", "--role", "LME", "--city", "pb.jalandar"), "did you mean pb.jalandhar"),
        (("add-user", "asha", "--name", "A", "--role", "CITIZEN", "--city", "pb.jalandhar"), "the role is one of"),
        (
            ("add-user", "asha", "--name", "A", "--role", "GRO", "--city", "pb.jalandhar", "--cities", "pb.amritsar"),
            "only an ADMIN",
        ),
        (("set-password", "nobody"), "there is no staff user 'nobody'"),
        (("token", "nobody"), "there is no staff user 'nobody'"),
        (("list", "--status", "OPEN"), "unknown status 'OPEN': one of PENDINGFORASSIGNMENT"),
        (("list", "--category", "Potholes"), "unknown category 'Potholes'"),
        (("list", "--page", "0"), "pages count from 1"),
        (("show", "PB-PGR-2020-01-01-999999"), "not found: PB-PGR-2020-01-01-999999"),
        (("act", "PB-PGR-2020-01-01-999999", "RATE"), "unknown action 'RATE': one of ASSIGN"),
    ],
)
def test_invalid_input_exits_1_with_one_line(services, argv, message):
    code, out, err = run(services, *argv)
    assert code == 1 and out == "" and message in err and err.count("\n") == 1


def test_passwords_are_set_from_standard_input_or_reset_to_one_shown_once(services, monkeypatch):
    run(services, "add-user", "asha", "--name", "Asha Rani", "--role", "GRO", "--city", "pb.jalandhar")
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse battery\n"))
    code, out, _ = run(services, "set-password", "asha")
    assert code == 0 and "password of asha set" in out
    services.staff.sign_in("asha", "correct horse battery")

    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    code, _, err = run(services, "set-password", "asha")
    assert code == 1 and "a password has 10 to 200 characters" in err

    code, out, _ = run(services, "reset-password", "asha")
    one_time = out.splitlines()[0]
    assert code == 0 and "will not be shown again" in out and len(one_time) >= 10
    services.staff.sign_in("asha", one_time)


def test_an_administrator_oversees_the_cities_given(services):
    argv = ("add-user", "meera", "--name", "Meera", "--role", "admin", "--city", "pb.jalandhar")
    code, out, _ = run(services, *argv, "--cities", "pb.amritsar, pb.phagwara")
    assert code == 0 and "ADMIN" in out and "pb.amritsar,pb.phagwara" in out
    member = services.staff.members("pb.jalandhar")[0]
    assert member.all_cities == ("pb.jalandhar", "pb.amritsar", "pb.phagwara")
    assert member.actor.may_see("pb.amritsar") and not member.actor.may_see("pb.ludhiana")


def test_usage_errors_exit_2(services):
    code, _, err = run(services, "act", "PB-PGR-2026-11-03-000001")
    assert code == 2 and "required: action" in err


def test_list_filters_and_pages(services, complaints):
    late = file(complaints, "late", age=timedelta(days=20))  # past the 14 days of a streetlight
    garbage = file(complaints, "garbage", service="GarbageNeedsTobeCleared")
    amritsar = file(complaints, "amritsar", city="pb.amritsar")

    code, out, _ = run(services, "list", "--city", "PB.Jalandhar")
    assert code == 0 and late in out and garbage in out and amritsar not in out
    assert out.splitlines()[0].split() == [
        "NUMBER",
        "STATUS",
        "SERVICE",
        "CITY",
        "FILED",
        "(IST)",
        "DUE",
        "(IST)",
        "OVERDUE",
        "ASSIGNEE",
    ]
    assert out.endswith("page 1 of 1, 2 in all\n")
    late_line = next(line for line in out.splitlines() if late in line)
    assert "yes" in late_line.split() and "PENDINGFORASSIGNMENT" in late_line

    assert late in run(services, "list", "--overdue")[1]
    assert late not in run(services, "list", "--not-overdue")[1]
    code, out, _ = run(services, "list", "--category", "garbage", "--status", "PENDINGFORASSIGNMENT")
    assert [line.split()[0] for line in out.splitlines()[1:-1]] == [garbage]

    code, out, _ = run(services, "list", "--page-size", "2", "--page", "2")
    assert len(out.splitlines()) == 3 and out.endswith("page 2 of 2, 3 in all\n")


def test_show_gives_the_complaint_its_history_photos_and_location(services, complaints):
    number = file(complaints, "k", description=PUNJABI, photos=["https://example.org/light.jpg"])
    code, out, _ = run(services, "show", number.lower())
    assert code == 0 and out.startswith(number + "\n")
    for expected in (
        PUNJABI,
        "https://example.org/light.jpg",
        "31.326, 75.5762",
        "Model Town (JLC373)",
        "citizen:citizen-k  APPLY -> PENDINGFORASSIGNMENT",
    ):
        assert expected in out


def test_an_administrator_takes_a_complaint_through_its_lifecycle(services, complaints, monkeypatch):
    number = file(complaints, "k")
    run(services, "add-user", "asha", "--name", "Asha", "--role", "LME", "--city", "pb.jalandhar")

    assert run(services, "--as", "meera", "act", number, "assign", "--assignee", "asha") == (
        0,
        f"{number}: ASSIGN done, now PENDINGATLME, assigned to asha\n",
        "",
    )
    assert run(services, "act", number, "COMMENT", "--comment", "ਕੱਲ੍ਹ ਠੀਕ ਹੋਵੇਗੀ", "--as", "meera")[0] == 0
    monkeypatch.setattr(cli.getpass, "getuser", lambda: "operator")
    code, out, _ = run(services, "act", number, "RESOLVE", "--comment", "new bulb fitted")
    assert code == 0 and "now RESOLVED" in out

    history = complaints.get(number).history
    assert [(e.action, e.status, e.actor, e.role, e.comment) for e in history[1:]] == [
        ("ASSIGN", "PENDINGATLME", "admin:meera", "ADMIN", None),
        ("COMMENT", "PENDINGATLME", "admin:meera", "ADMIN", "ਕੱਲ੍ਹ ਠੀਕ ਹੋਵੇਗੀ"),
        ("RESOLVE", "RESOLVED", "admin:operator", "ADMIN", "new bulb fitted"),
    ]
    assert "admin:operator  RESOLVE -> RESOLVED" in run(services, "show", number)[1]


def test_a_refused_action_exits_1_and_changes_nothing(services, complaints):
    number = file(complaints, "k")
    run(services, "add-user", "asha", "--name", "Asha", "--role", "LME", "--city", "pb.jalandhar")
    run(services, "act", number, "ASSIGN", "--assignee", "asha")
    run(services, "act", number, "RESOLVE")
    before = complaints.get(number)
    with services.database.session() as session:
        notifications = session.scalar(select(func.count()).select_from(Notification))

    assert run(services, "act", number, "ASSIGN", "--assignee", "asha") == (
        1,
        "",
        "refused (status): A complaint that is RESOLVED cannot be given ASSIGN.\n",
    )
    assert run(services, "act", number, "REASSIGN", "--comment", "wrong ward")[0] == 1
    assert complaints.get(number) == before
    with services.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == notifications


def test_export_writes_every_matching_complaint_as_utf8_csv(services, complaints, tmp_path):
    punjabi = file(complaints, "pa", description=PUNJABI)
    formula = file(complaints, "formula", description='=HYPERLINK("http://evil.example")')
    file(complaints, "amritsar", city="pb.amritsar")

    code, out, err = run(services, "export", "--city", "pb.jalandhar")
    assert (code, err) == (0, "")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert list(rows[0]) == [
        "number",
        "status",
        "service_code",
        "category",
        "department",
        "city",
        "locality",
        "landmark",
        "description",
        "latitude",
        "longitude",
        "created_at",
        "due_at",
        "overdue",
        "assigned_to",
        "rating",
        "channel",
        "citizen",
        "last_action",
        "last_comment",
    ]
    assert [r["number"] for r in rows] == [punjabi, formula]
    assert rows[0]["description"] == PUNJABI and rows[0]["city"] == "pb.jalandhar"
    assert (rows[0]["channel"], rows[0]["last_action"], rows[0]["overdue"]) == ("whatsapp", "APPLY", "no")
    # A spreadsheet shows the citizen's text instead of running it.
    assert rows[1]["description"].startswith("'=")

    target = tmp_path / "exports" / "complaints.csv"
    target.parent.mkdir()
    code, out, _ = run(services, "export", "--category", "StreetLights", "--output", str(target))
    assert code == 0 and out == f"3 complaint(s) written to {target}\n"
    with target.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 and rows[0]["description"] == PUNJABI
    assert list(target.parent.iterdir()) == [target]


def test_a_database_that_is_down_exits_3_without_a_traceback(tmp_path):
    down = services_on(DOWN_DATABASE_URL)
    for argv in (["list"], ["export", "--output", str(tmp_path / "complaints.csv")]):
        code, _, error = run(down, *argv)
        assert code == 3
        assert error.startswith("cannot use the database postgresql://postgres@127.0.0.1:1/seva")
        assert error.count("\n") == 1 and "Traceback" not in error
    # A failed export leaves no file, not even a partial one.
    assert list(tmp_path.iterdir()) == []


def test_the_module_runs_as_a_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'seva.db'}"
    services = services_on(url)
    services.staff.add("asha", "ਆਸ਼ਾ", "LME", "pb.jalandhar")
    services.close()
    result = subprocess.run(
        [sys.executable, "-m", "staff.cli", "users"],
        cwd=ROOT,
        capture_output=True,
        encoding="utf-8",
        timeout=60,
        env={**os.environ, "DATABASE_URL": url, "SQLALCHEMY_SILENCE_UBER_WARNING": "1"},
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert "ਆਸ਼ਾ" in result.stdout and result.stdout.endswith("1 in all\n")
