"""The administrator's command line: staff users and their tokens; complaints listed, shown, acted on, exported.

    python -m staff.cli [--as NAME] COMMAND ...     (python -m staff.cli --help lists the commands)

The database is DATABASE_URL's, as for the rest of Seva. Times on screen are India time; the export's are UTC
(ISO 8601). The export's columns are EXPORT_COLUMNS; `last_comment` is the latest comment anyone made.
Exit codes: 0 done; 1 refused, not found or invalid input; 2 usage error; 3 the database failed.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import getpass
import io
import math
import os
import sys
import unicodedata
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from datetime import datetime
from typing import Iterator, Optional, Sequence, TextIO

from sqlalchemy.exc import SQLAlchemyError

from seva.bootstrap import Services, build
from seva.catalogue import Catalogue
from seva.complaints import Query
from seva.lifecycle import NotFound
from seva.numbering import LOCAL_TZ, canonical_number
from seva.settings import Settings
from seva.staff import StaffError, StaffMember
from seva.storage import migrate as migrate_schema
from seva.storage import utcnow
from seva.workflow import ADMIN, STAFF_ACTIONS, STATUSES, Actor, Refused
from staff.export import EXPORT_COLUMNS, export_row

MAX_PAGE_SIZE = 500


class Invalid(Exception):
    """Input the command cannot use: names nothing Seva knows, or does not fit together."""


# Commands: (args, services, out) -> None; they raise to fail.


def migrate(args, services: Services, out: TextIO) -> None:
    migrate_schema(services.database.engine)
    out.write(f"{services.database.safe_url}: schema up to date\n")


def add_user(args, services: Services, out: TextIO) -> None:
    further = [city(c.strip(), services.catalogue) for c in (args.cities or "").split(",") if c.strip()]
    member = services.staff.add(
        args.username, args.name, args.role.upper(), city(args.city, services.catalogue), cities=further
    )
    table(out, USER_HEADER, [user_row(member)])


def set_password(args, services: Services, out: TextIO) -> None:
    """The password is read from standard input (one line) when it is not a terminal, else asked for twice."""
    services.staff.member(args.username)  # no password is asked for someone who does not exist
    if sys.stdin.isatty():
        password = getpass.getpass(f"New console password for {args.username}: ")
        if getpass.getpass("Again: ") != password:
            raise Invalid("the two passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    services.staff.set_password(args.username, password)
    out.write(f"password of {args.username} set; their console sessions are ended and any lock-out lifted\n")


def reset_password(args, services: Services, out: TextIO) -> None:
    password = services.staff.reset_password(args.username)
    out.write(f"{password}\n")
    out.write(f"This one-time password of {args.username} will not be shown again; ")
    out.write("they sign in with it, and you set the one they choose with set-password.\n")


def token(args, services: Services, out: TextIO) -> None:
    out.write(services.staff.issue_token(args.username) + "\n")
    expires = local(utcnow() + services.staff.token_lifetime)
    out.write(f"This token of {args.username} will not be shown again: Seva keeps only its hash. ")
    out.write(f"It works until {expires} (IST); issue a new one before then.\n")


def revoke(args, services: Services, out: TextIO) -> None:
    count = services.staff.revoke_tokens(args.username)
    out.write(f"revoked {count} token(s) of {args.username}\n")


def deactivate(args, services: Services, out: TextIO) -> None:
    services.staff.deactivate(args.username)
    out.write(f"{args.username} is deactivated and their tokens are revoked\n")


def users(args, services: Services, out: TextIO) -> None:
    tenant_id = city(args.city, services.catalogue) if args.city else None
    members = services.staff.members(tenant_id)
    table(out, USER_HEADER, [user_row(m) for m in members])
    out.write(f"{len(members)} in all\n")


def list_complaints(args, services: Services, out: TextIO) -> None:
    if args.page < 1 or not 1 <= args.page_size <= MAX_PAGE_SIZE:
        raise Invalid(f"pages count from 1 and hold 1 to {MAX_PAGE_SIZE} complaints")
    now = utcnow()
    page = services.complaints.search(
        query(args, services.catalogue, page=args.page - 1, page_size=args.page_size), now
    )
    table(
        out,
        ("NUMBER", "STATUS", "SERVICE", "CITY", "FILED (IST)", "DUE (IST)", "OVERDUE", "ASSIGNEE"),
        [
            (
                c.number,
                c.status,
                c.service_code,
                c.tenant_id,
                local(c.created_at),
                local(c.due_at),
                "yes" if c.overdue(now) else "",
                c.assigned_to or "-",
            )
            for c in page.items
        ],
    )
    pages = max(1, math.ceil(page.total / page.page_size))
    out.write(f"page {args.page} of {pages}, {page.total} in all\n")


def show(args, services: Services, out: TextIO) -> None:
    c = services.complaints.get(complaint_number(args.number))
    if c is None:
        raise NotFound(args.number)
    now = utcnow()
    locality = " ".join(filter(None, (c.locality_name, f"({c.locality_code})" if c.locality_code else None)))
    fields = (
        ("status", c.status + (", overdue" if c.overdue(now) else "")),
        ("service", f"{c.service_code} ({c.category}, {c.department})"),
        ("city", c.tenant_id),
        ("locality", locality),
        ("landmark", c.landmark),
        ("location", f"{c.latitude}, {c.longitude}" if c.latitude is not None else None),
        ("description", c.description),
        ("channel", f"{c.channel}, language {c.language}"),
        ("filed", local(c.created_at)),
        ("due", local(c.due_at)),
        ("stage due", local(c.stage_due_at) if c.stage_due_at else None),
        ("assigned to", c.assigned_to),
        ("rating", c.rating),
    )
    out.write(c.number + "\n")
    for label, value in fields:
        text = "-" if value in (None, "") else str(value)
        # Continuation lines of a long description line up under its first line.
        out.write(f"  {label:<12} " + text.replace("\n", "\n" + " " * 15) + "\n")
    out.write("photos\n" + "".join(f"  {uri}\n" for uri in c.photos or ("-",)))
    out.write("history (IST)\n")
    for e in c.history:
        out.write(f"  {local(e.at)}  {e.actor}  {e.action} -> {e.status}\n")
        if e.comment:
            out.write(f"      {e.comment}\n")


def act(args, services: Services, out: TextIO) -> None:
    action = choice(args.action, STAFF_ACTIONS, "action")
    if args.assignee and action != "ASSIGN":
        raise Invalid("--assignee goes with ASSIGN only")
    if args.into and action != "MERGE":
        raise Invalid("--into goes with MERGE only")
    c = services.lifecycle.act(
        complaint_number(args.number),
        action,
        Actor(ADMIN, admin_name(args)),
        comment=args.comment,
        assignee=args.assignee,
        into=complaint_number(args.into) if args.into else None,
    )
    out.write(
        f"{c.number}: {action} done, now {c.status}"
        + (f", assigned to {c.assigned_to}" if c.assigned_to else "")
        + "\n"
    )


def export(args, services: Services, out: TextIO) -> None:
    wanted = query(args, services.catalogue)
    now = utcnow()
    count = 0
    with output(args.output, out) as stream:
        writer = csv.writer(stream)
        writer.writerow(EXPORT_COLUMNS)
        for c in services.complaints.export(wanted, now):
            writer.writerow(export_row(c, now))
            count += 1
    if args.output != "-":
        out.write(f"{count} complaint(s) written to {args.output}\n")


# Helpers.

USER_HEADER = ("USERNAME", "NAME", "ROLE", "CITY", "ACTIVE", "ADDED (IST)", "FURTHER CITIES")


def user_row(m: StaffMember) -> tuple:
    further = ",".join(m.cities) or "-"
    return m.username, m.name, m.role, m.tenant_id, "yes" if m.active else "no", local(m.created_at), further


def query(args, catalogue: Catalogue, **paging) -> Query:
    """The filters of `list` and `export`, checked against the catalogue and the workflow."""
    return Query(
        tenant_id=city(args.city, catalogue) if args.city else None,
        status=choice(args.status, STATUSES, "status") if args.status else None,
        category=choice(args.category, catalogue.categories, "category") if args.category else None,
        overdue=args.overdue,
        assigned_to=args.assigned_to,
        **paging,
    )


def city(tenant_id: str, catalogue: Catalogue) -> str:
    return choice(tenant_id, list(catalogue.cities), "city")


def choice(value: str, choices: Sequence[str], what: str) -> str:
    """The choice the value names, whatever its case."""
    by_lower = {c.lower(): c for c in choices}
    if value.lower() in by_lower:
        return by_lower[value.lower()]
    if len(choices) <= 15:
        hint = f": one of {', '.join(choices)}"
    else:
        close = difflib.get_close_matches(value.lower(), list(by_lower), 3)
        hint = f" (did you mean {' or '.join(by_lower[c] for c in close)}?)" if close else ""
    raise Invalid(f"unknown {what} {value!r}{hint}")


def complaint_number(text: str) -> str:
    number = canonical_number(text)
    if number is None:
        raise Invalid(f"{text!r} is not a complaint number (they look like PB-PGR-2026-11-03-000001)")
    return number


def admin_name(args) -> str:
    try:
        name = (args.admin or getpass.getuser()).strip()
    except (KeyError, OSError):  # no login name to be found (a container, a service account)
        name = ""
    if not name or len(name) > 100:
        raise Invalid("say who acts with --as NAME (1 to 100 characters)")
    return name


def local(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def width(text: str) -> int:
    """Columns the text takes on a terminal: Gurmukhi and Devanagari vowel signs take none of their own."""
    return sum(
        0 if unicodedata.category(ch) in ("Mn", "Me", "Cf") else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def table(out: TextIO, header: Sequence[str], rows: Sequence[Sequence]) -> None:
    rows = [tuple(header)] + [tuple("" if v is None else str(v) for v in row) for row in rows]
    widths = [max(width(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        out.write("  ".join(v + " " * (w - width(v)) for v, w in zip(row, widths)).rstrip() + "\n")


@contextmanager
def output(path: str, out: TextIO) -> Iterator[TextIO]:
    """The stream to export to; a file appears under its name only once complete, so a failed export leaves
    nothing that looks like a whole one."""
    if path == "-":
        yield out
        return
    partial = path + ".partial"
    try:
        stream = open(partial, "w", encoding="utf-8", newline="")
    except OSError as error:
        raise Invalid(f"cannot write {path}: {error.strerror}") from None
    try:
        with stream:
            yield stream
    except BaseException:
        os.remove(partial)
        raise
    os.replace(partial, path)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m staff.cli",
        description="Seva's administration: staff users and complaints. Uses the database of DATABASE_URL.",
    )
    as_help = "the administrator acting, recorded in history as admin:NAME (default: your login name)"
    parser.add_argument("--as", dest="admin", metavar="NAME", help=as_help)
    # Also accepted after the command; SUPPRESS keeps a name given before it.
    identity = argparse.ArgumentParser(add_help=False)
    identity.add_argument("--as", dest="admin", metavar="NAME", default=argparse.SUPPRESS, help=as_help)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, run, help, *parents):
        sub = commands.add_parser(name, parents=[identity, *parents], help=help, description=help)
        sub.set_defaults(run=run)
        return sub

    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--city", metavar="TENANT_ID", help="e.g. pb.amritsar")
    filters.add_argument("--status", help=", ".join(STATUSES))
    filters.add_argument("--category", help="a service category, e.g. StreetLights")
    late = filters.add_mutually_exclusive_group()
    late.add_argument("--overdue", dest="overdue", action="store_const", const=True, help="overdue ones only")
    late.add_argument("--not-overdue", dest="overdue", action="store_const", const=False, help="those not overdue only")
    filters.add_argument("--assigned-to", metavar="USERNAME")

    sub = command("add-user", add_user, "add a staff user")
    sub.add_argument("username")
    sub.add_argument("--name", required=True)
    sub.add_argument(
        "--role",
        required=True,
        help="GRO (routes complaints), LME (field employee), ADMIN (oversees cities), TRAINER (reviews conversations)",
    )
    sub.add_argument("--city", required=True, metavar="TENANT_ID")
    sub.add_argument("--cities", metavar="TENANT_ID,...", help="an ADMIN's further cities, comma-separated")
    command("set-password", set_password, "set a user's console password (from standard input, or asked)").add_argument(
        "username"
    )
    command("reset-password", reset_password, "give a user a new random console password, shown once").add_argument(
        "username"
    )
    command("migrate", migrate, "bring the database to the latest schema (every process also does so on first use)")
    command("token", token, "issue an API token, shown this once").add_argument("username")
    command("revoke", revoke, "revoke every token of a user").add_argument("username")
    command("deactivate", deactivate, "deactivate a user and revoke their tokens").add_argument("username")
    command("users", users, "list staff users").add_argument("--city", metavar="TENANT_ID")

    sub = command("list", list_complaints, "list complaints, the earliest due first", filters)
    sub.add_argument("--page", type=int, default=1, metavar="N", help="from 1 (default 1)")
    sub.add_argument("--page-size", type=int, default=20, metavar="N", help=f"up to {MAX_PAGE_SIZE} (default 20)")
    command("show", show, "show a complaint with its history").add_argument("number")
    sub = command("act", act, f"act on a complaint: {', '.join(STAFF_ACTIONS)}")
    sub.add_argument("number")
    sub.add_argument("action")
    sub.add_argument("--comment", metavar="TEXT")
    sub.add_argument("--assignee", metavar="USERNAME", help="the field employee (LME) to ASSIGN to")
    sub.add_argument("--into", metavar="NUMBER", help="the complaint kept, to MERGE this duplicate into")
    sub = command("export", export, "export complaints as UTF-8 CSV, oldest first", filters)
    sub.add_argument("--output", default="-", metavar="FILE", help="a file, or - for standard output (default)")
    return parser


def main(
    argv: Optional[Sequence[str]] = None,
    services: Optional[Services] = None,
    stdout: Optional[TextIO] = None,
    stderr: Optional[TextIO] = None,
) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    try:
        with redirect_stdout(stdout), redirect_stderr(stderr):
            args = build_parser().parse_args(argv)
    except SystemExit as exit:  # --help (0) or a usage error (2), already printed
        return int(exit.code or 0)
    own = services is None
    services = services or build(Settings.from_env())
    try:
        args.run(args, services, stdout)
        return 0
    except Refused as error:
        stderr.write(f"refused ({error.reason}): {error.message}\n")
    except NotFound as error:
        stderr.write(f"not found: {error}\n")
    except (Invalid, StaffError) as error:
        stderr.write(f"error: {error}\n")
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        stderr.write(f"cannot use the database {services.database.safe_url}: {reason}\n")
        return 3
    finally:
        if own:
            services.close()
    return 1


if __name__ == "__main__":
    # Punjabi and Hindi text whatever the terminal's locale says.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(encoding="utf-8")
    try:
        sys.exit(main())
    except BrokenPipeError:  # `export | head` stopped reading: stop quietly, like other Unix tools
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
