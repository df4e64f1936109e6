"""The staff console's security through real HTTP: `python -m staff.api` on PostgreSQL, a browser of cookies and
forms, staff and complaints seeded through the Python API (test_staff_api.Seed).

CSRF on every form, sessions that end (signed out, idle, too old, deactivated, new password), the lock-out, cities
and field employees that see only their own, the history every action leaves, and input that is refused."""

from __future__ import annotations

import hashlib
import html
import re
import uuid
from datetime import timedelta
from http.cookiejar import DefaultCookiePolicy
from http.cookies import Morsel, SimpleCookie
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from markupsafe import escape
from sqlalchemy import select, update

from seva.models import Attachment, Complaint, ComplaintEvent, Notification, StaffSession, StaffUser
from seva.staff import hash_token
from seva.workflow import Actor
from staff.console.texts import load_texts
from tests.helpers import DOWN_DATABASE_URL, postgres_schema_url
from tests.integration.seeding import JPEG, Seed
from tests.servers import StaffApiServer

PASSWORD = "correct horse battery"
TEXTS = load_texts().of("en")
CSRF_INPUT = re.compile(r'<input type="hidden" name="csrf" value="([^"]*)">')
PROBLEM = re.compile(r'<p class="problem" role="alert">(.*?)</p>', re.S)
HEADING = re.compile(r"<h1>(.*?)</h1>", re.S)
COMPLAINT_LINK = re.compile(r'href="/complaint/(PB-PGR-[\d-]+)"')
ABSENT = "PB-PGR-2020-01-01-999999"


class NoCookies(DefaultCookiePolicy):
    """requests' own jar keeps nothing: the browser below keeps its cookies itself, Secure ones too (the
    CONSOLE_HTTPS server marks them so, and is reached over plain HTTP here)."""

    def set_ok(self, cookie, request) -> bool:
        return False

    def return_ok(self, cookie, request) -> bool:
        return False


class Browser:
    """What a staff member's browser does: keeps the console's cookies, sends them back, reads the CSRF token of a
    page and posts its forms. No redirect is followed: each answer is looked at as it comes."""

    def __init__(self, url: str):
        self.url = url
        self.http = requests.Session()
        self.http.cookies.set_policy(NoCookies())
        self.cookies: Dict[str, str] = {}
        self.last_set_cookies: Dict[str, Morsel] = {}

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = self.http.request(
            method, self.url + path, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        self.last_set_cookies = set_cookies(response)
        for name, morsel in self.last_set_cookies.items():
            if morsel["max-age"] == "0":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def sign_in(self, username: str, password: str = PASSWORD, next: Optional[str] = None) -> requests.Response:
        page = self.get("/signin")
        assert page.status_code == 200, page.text
        form = {"csrf": csrf_of(page), "username": username, "password": password}
        if next is not None:
            form["next"] = next
        return self.post("/signin", data=form)

    def csrf(self, path: str = "/queue") -> str:
        page = self.get(path)
        assert page.status_code == 200, (path, page.status_code)
        return csrf_of(page)

    def act(
        self, number: str, action: str, csrf: Optional[str] = "page", photo: Optional[tuple] = None, **fields: str
    ) -> requests.Response:
        """The complaint page's form for the action, as a browser sends it (multipart, with the file input even
        when no file was chosen); csrf "page" is the token of the page, None leaves it out."""
        if csrf == "page":
            csrf = self.csrf(f"/complaint/{number}")
        form = {"action": action, **fields}
        if csrf is not None:
            form["csrf"] = csrf
        files = {"photo": photo or ("", b"", "application/octet-stream")}
        return self.post(f"/complaint/{number}/act", data=form, files=files)

    @property
    def session(self) -> Optional[str]:
        return self.cookies.get("seva_session")


def set_cookies(response: requests.Response) -> Dict[str, Morsel]:
    cookies: Dict[str, Morsel] = {}
    for header in response.raw.headers.getlist("Set-Cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        cookies.update(parsed)
    return cookies


def csrf_of(page: requests.Response) -> str:
    tokens = set(CSRF_INPUT.findall(page.text))
    assert len(tokens) == 1 and "" not in tokens, tokens
    return tokens.pop()


def text(key: str) -> str:
    """A console text as a page shows it (escaped as the templates escape it)."""
    return str(escape(TEXTS[key]))


def problem_of(page: requests.Response) -> Optional[str]:
    found = PROBLEM.search(page.text)
    return found.group(1).strip() if found else None


def heading_of(page: requests.Response) -> str:
    found = HEADING.search(page.text)
    assert found, page.text[:500]
    return found.group(1).strip()


def is_error_page(page: requests.Response, status: int, key: str) -> bool:
    return (
        page.status_code == status
        and page.headers["content-type"].startswith("text/html")
        and heading_of(page) == text(key)
    )


def goes_to_sign_in(response: requests.Response) -> bool:
    return response.status_code == 303 and response.headers["Location"].startswith("/signin")


def queue_numbers(page: requests.Response) -> set:
    assert page.status_code == 200, page.status_code
    return set(COMPLAINT_LINK.findall(page.text))


def csv_numbers(response: requests.Response) -> set:
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    return set(re.findall(r"^\ufeff?(PB-PGR-[\d-]+),", response.content.decode("utf-8"), re.M))


class Console:
    """The seeded database as the tests look into it."""

    def __init__(self, seed: Seed):
        self.seed = seed
        self.db = seed.db

    def member(self, role: str, city: str, cities: Sequence[str] = (), password: Optional[str] = PASSWORD) -> str:
        username = f"{role.lower()}-{uuid.uuid4().hex[:8]}"
        self.seed.staff.add(username, f"{role} of {city}", role, city, cities=cities)
        if password:
            self.seed.staff.set_password(username, password)
        return username

    def history(self, number: str) -> List[tuple]:
        view = self.seed.complaints.get(number)
        return [(e.action, e.status, e.actor, e.role, e.comment, e.template) for e in view.history]

    def state(self, number: str) -> tuple:
        """Everything an action could change: the complaint, its history, its photos and what the citizen is told."""
        view = self.seed.complaints.get(number)
        return (view.status, view.assigned_to, view.photos, self.history(number), self.seed.notifications(number))

    def events(self, number: str) -> List[ComplaintEvent]:
        with self.db.session() as session:
            rows = session.scalars(
                select(ComplaintEvent).join(Complaint).where(Complaint.number == number).order_by(ComplaintEvent.id)
            ).all()
            session.expunge_all()
            return list(rows)

    def notified(self, number: str) -> Dict[int, str]:
        """The notifications of the complaint: event id -> recipient."""
        with self.db.session() as session:
            rows = session.execute(
                select(Notification.event_id, Notification.recipient).join(Complaint).where(Complaint.number == number)
            )
            return {event_id: recipient for event_id, recipient in rows}

    def move_session(self, cookie: str, **back: timedelta) -> None:
        """Moves the session's times (created_at, last_seen_at) into the past."""
        with self.db.session() as session:
            moved = session.execute(
                update(StaffSession)
                .where(StaffSession.token_hash == hash_token(cookie))
                .values({name: getattr(StaffSession, name) - by for name, by in back.items()})
            )
            assert moved.rowcount == 1

    def sessions_of(self, username: str) -> List[StaffSession]:
        with self.db.session() as session:
            rows = session.scalars(
                select(StaffSession)
                .join(StaffUser, StaffSession.user_id == StaffUser.id)
                .where(StaffUser.username == username)
            ).all()
            session.expunge_all()
            return list(rows)

    def user(self, username: str) -> StaffUser:
        with self.db.session() as session:
            user = session.scalar(select(StaffUser).where(StaffUser.username == username))
            session.expunge_all()
            return user


@pytest.fixture(scope="module")
def db(seed) -> Console:
    return Console(seed)


def a_server(schema: str, media: Path, log: Path, **env: str) -> StaffApiServer:
    return StaffApiServer({"DATABASE_URL": postgres_schema_url(schema), "MEDIA_DIR": str(media), **env}, log).start()


@pytest.fixture(scope="module")
def server(seed, schema, media, tmp_path_factory) -> Iterator[StaffApiServer]:
    """The console as configured by default, over plain HTTP; its review inbox reads a tracker store of its own
    that holds no conversation yet."""
    logs = tmp_path_factory.mktemp("logs")
    endpoints = logs / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {logs / 'conversations.db'}\n")
    running = a_server(schema, media, logs / "console.log", ENDPOINTS=str(endpoints))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def strict_server(seed, schema, media, tmp_path_factory) -> Iterator[StaffApiServer]:
    """The console behind a TLS proxy, with a one-minute idle time and three sign-in attempts; on the same
    database as `server`, so a session of one is a session of the other."""
    running = a_server(
        schema,
        media,
        tmp_path_factory.mktemp("logs") / "console_strict.log",
        CONSOLE_HTTPS="true",
        CONSOLE_IDLE_MINUTES="1",
        CONSOLE_SIGN_IN_ATTEMPTS="3",
    )
    yield running
    running.stop()


@pytest.fixture
def browser(server) -> Browser:
    return Browser(server.url)


def signed_in(server: StaffApiServer, username: str) -> Browser:
    browser = Browser(server.url)
    answer = browser.sign_in(username)
    assert answer.status_code == 303 and browser.session, answer.text
    return browser


def a_stored_photo(media: Path) -> str:
    photo = media / uuid.uuid4().hex[:2] / f"{uuid.uuid4().hex}.jpg"
    photo.parent.mkdir(exist_ok=True)
    photo.write_bytes(JPEG)
    return str(photo)


def files_under(media: Path) -> set:
    return {p for p in media.rglob("*") if p.is_file()}


# CSRF


def test_a_complaint_action_without_its_csrf_token_is_refused_and_changes_nothing(server, db, media):
    city = "pb.banur"
    gro = db.member("GRO", city)
    filed = db.seed.complaint(city)
    mine, other = signed_in(server, gro), signed_in(server, db.member("GRO", city))
    before, stored = db.state(filed.number), files_under(media)
    for token in (None, "", "not-the-token", other.csrf(), mine.csrf() + "x"):
        for photo in (None, ("fix.jpg", JPEG + uuid.uuid4().bytes, "image/jpeg")):
            refused = mine.act(filed.number, "COMMENT", csrf=token, comment="forged", photo=photo)
            assert is_error_page(refused, 403, "error_csrf"), (token, refused.status_code)
    # A form-encoded body, as a page of another site would send it.
    forged = mine.post(f"/complaint/{filed.number}/act", data={"action": "REJECT", "comment": "forged"})
    assert is_error_page(forged, 403, "error_csrf")
    assert db.state(filed.number) == before and files_under(media) == stored
    # The same form with the page's token is taken: the refusals above were the token's.
    assert mine.act(filed.number, "COMMENT", comment="genuine").status_code == 303
    assert db.history(filed.number)[-1][4] == "genuine"


def test_a_sign_out_without_its_csrf_token_is_refused_and_the_session_stays_valid(server, db):
    username = db.member("GRO", "pb.bareta")
    browser, other = signed_in(server, username), signed_in(server, db.member("GRO", "pb.bareta"))
    for form in ({}, {"csrf": ""}, {"csrf": "nonsense"}, {"csrf": other.csrf()}):
        assert is_error_page(browser.post("/signout", data=form), 403, "error_csrf"), form
    assert browser.session and browser.get("/queue").status_code == 200
    assert [s.ended_at for s in db.sessions_of(username)] == [None]
    signed_out = browser.post("/signout", data={"csrf": browser.csrf()})
    assert (signed_out.status_code, signed_out.headers["Location"]) == (303, "/signin")


def test_a_language_change_without_its_csrf_token_is_refused_and_the_language_stays(server, db):
    username = db.member("GRO", "pb.bariwala")
    browser, other = signed_in(server, username), signed_in(server, db.member("GRO", "pb.bariwala"))
    for form in ({"language": "pa"}, {"language": "pa", "csrf": "nonsense"}, {"language": "pa", "csrf": other.csrf()}):
        assert is_error_page(browser.post("/language", data=form), 403, "error_csrf"), form
    assert db.user(username).language == "en"
    assert '<html lang="en">' in browser.get("/queue").text
    changed = browser.post("/language", data={"language": "pa", "csrf": browser.csrf(), "next": "/dashboard"})
    assert (changed.status_code, changed.headers["Location"]) == (303, "/dashboard")
    assert db.user(username).language == "pa" and '<html lang="pa">' in browser.get("/queue").text


def test_a_sign_in_without_the_token_of_its_cookie_is_refused_and_opens_no_session(server, db):
    username = db.member("GRO", "pb.barnala")
    fields = {"username": username, "password": PASSWORD}

    def attempt(cookie: bool, csrf: Optional[str], other_page: bool = False) -> requests.Response:
        browser = Browser(server.url)
        page_token = csrf_of(browser.get("/signin"))
        if other_page:
            # A second sign-in page (another tab, or an attacker's own) replaces the cookie.
            browser.get("/signin")
        if not cookie:
            browser.cookies.clear()
        form = dict(fields)
        if csrf is not None:
            form["csrf"] = page_token if csrf == "page" else csrf
        return browser.post("/signin", data=form)

    for cookie, csrf, other_page in (
        (False, "page", False),
        (True, None, False),
        (True, "", False),
        (True, "nonsense", False),
        (True, "page", True),
    ):
        refused = attempt(cookie, csrf, other_page)
        assert refused.status_code == 403, (cookie, csrf, other_page)
        assert problem_of(refused) == text("sign_in_csrf") and "seva_session" not in set_cookies(refused)
    assert db.sessions_of(username) == [] and db.user(username).failed_sign_ins == 0
    assert attempt(True, "page").status_code == 303 and len(db.sessions_of(username)) == 1


def test_a_post_without_a_session_goes_to_sign_in_and_changes_nothing(browser, db):
    filed = db.seed.complaint("pb.bassipathana")
    before = db.state(filed.number)
    for path, form in (
        (f"/complaint/{filed.number}/act", {"action": "REJECT", "comment": "x", "csrf": "x"}),
        ("/language", {"language": "hi", "csrf": "x"}),
        ("/signout", {"csrf": "x"}),
    ):
        assert goes_to_sign_in(browser.post(path, data=form)), path
    browser.cookies["seva_session"] = "not-a-session"
    assert goes_to_sign_in(browser.post(f"/complaint/{filed.number}/act", data={"action": "REJECT", "comment": "x"}))
    assert db.state(filed.number) == before


# Sessions


def test_the_console_cookies_are_httponly_and_samesite_and_not_secure_over_plain_http(server, db):
    browser = Browser(server.url)
    browser.get("/signin")
    sign_in_cookie = browser.last_set_cookies["seva_sign_in"]
    assert sign_in_cookie["httponly"] and sign_in_cookie["samesite"] == "Strict" and not sign_in_cookie["secure"]
    form = {"csrf": browser.cookies["seva_sign_in"], "username": db.member("GRO", "pb.batala"), "password": PASSWORD}
    browser.post("/signin", data=form)
    session = browser.last_set_cookies["seva_session"]
    assert session["httponly"] and session["samesite"] in ("Lax", "Strict") and not session["secure"]
    assert session["path"] == "/" and int(session["max-age"]) == 12 * 3600
    # The session cookie's value is kept only as its hash.
    assert {s.token_hash for s in db.sessions_of(form["username"])} == {hash_token(session.value)}


def test_behind_https_the_console_cookies_are_secure(strict_server, db):
    browser = Browser(strict_server.url)
    browser.get("/signin")
    assert browser.last_set_cookies["seva_sign_in"]["secure"]
    assert browser.sign_in(db.member("GRO", "pb.batala")).status_code == 303
    for name in ("seva_session", "seva_sign_in"):
        cookie = browser.last_set_cookies[name]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"], name
    signed_out = browser.post("/signout", data={"csrf": browser.csrf()})
    assert signed_out.status_code == 303 and browser.last_set_cookies["seva_session"]["secure"]


def test_signing_out_ends_the_session_on_the_server(server, db):
    username = db.member("GRO", "pb.bathinda")
    browser = signed_in(server, username)
    cookie = browser.session
    browser.post("/signout", data={"csrf": browser.csrf()})
    assert browser.session is None
    # The old cookie, kept by someone who copied it, no longer opens anything.
    replay = Browser(server.url)
    replay.cookies["seva_session"] = cookie
    assert goes_to_sign_in(replay.get("/queue"))
    assert replay.get("/queue").headers["Location"] == "/signin?next=%2Fqueue"
    assert [s.ended_at is not None for s in db.sessions_of(username)] == [True]


def test_a_session_unused_for_longer_than_the_idle_time_expires(server, db):
    browser = signed_in(server, db.member("GRO", "pb.begowal"))
    db.move_session(browser.session, last_seen_at=timedelta(minutes=29))
    assert browser.get("/queue").status_code == 200
    db.move_session(browser.session, last_seen_at=timedelta(minutes=31))
    assert goes_to_sign_in(browser.get("/queue"))
    assert goes_to_sign_in(browser.post("/language", data={"language": "hi", "csrf": "x"}))


def test_the_idle_time_is_the_one_configured(server, strict_server, db):
    browser = signed_in(server, db.member("GRO", "pb.bhadaur"))
    cookie = browser.session
    db.move_session(cookie, last_seen_at=timedelta(minutes=2))
    on_strict = Browser(strict_server.url)
    on_strict.cookies["seva_session"] = cookie
    # Two minutes unused: past the strict server's one minute, within the default thirty.
    assert goes_to_sign_in(on_strict.get("/queue"))
    assert browser.get("/queue").status_code == 200


def test_a_session_in_use_stays_open_however_short_the_idle_time(strict_server, db):
    browser = signed_in(strict_server, db.member("GRO", "pb.bhadson"))
    # Forty seconds pass (the session's times move back by as much), the member opens a page, forty more pass.
    db.move_session(browser.session, created_at=timedelta(seconds=40), last_seen_at=timedelta(seconds=40))
    assert browser.get("/queue").status_code == 200
    db.move_session(browser.session, created_at=timedelta(seconds=40), last_seen_at=timedelta(seconds=40))
    assert browser.get("/queue").status_code == 200


def test_a_session_older_than_its_longest_life_expires_though_in_use(server, db):
    browser = signed_in(server, db.member("GRO", "pb.bhagtabhai"))
    db.move_session(browser.session, created_at=timedelta(hours=11, minutes=59))
    assert browser.get("/queue").status_code == 200
    db.move_session(browser.session, created_at=timedelta(minutes=2))
    assert goes_to_sign_in(browser.get("/queue"))


def test_deactivating_a_member_ends_their_sessions(server, db):
    username = db.member("GRO", "pb.bhairoopa")
    first, second = signed_in(server, username), signed_in(server, username)
    db.seed.staff.deactivate(username)
    assert goes_to_sign_in(first.get("/queue")) and goes_to_sign_in(second.get("/dashboard"))
    assert all(s.ended_at is not None for s in db.sessions_of(username))
    again = Browser(server.url).sign_in(username)
    assert again.status_code == 401 and problem_of(again) == text("sign_in_credentials")


def test_setting_a_new_password_ends_every_session_of_the_member(server, db):
    username = db.member("GRO", "pb.bhawanigarh")
    bystander = signed_in(server, db.member("GRO", "pb.bhawanigarh"))
    first, second = signed_in(server, username), signed_in(server, username)
    db.seed.staff.set_password(username, "a new long password")
    assert goes_to_sign_in(first.get("/queue")) and goes_to_sign_in(second.get("/queue"))
    assert bystander.get("/queue").status_code == 200
    assert Browser(server.url).sign_in(username).status_code == 401
    assert Browser(server.url).sign_in(username, "a new long password").status_code == 303


# The lock-out


def test_wrong_passwords_lock_the_account_and_even_the_right_one_is_refused_while_locked(strict_server, db):
    username = db.member("GRO", "pb.bhikhi")
    browser = Browser(strict_server.url)
    for _ in range(2):
        wrong = browser.sign_in(username, "not the password")
        assert wrong.status_code == 401 and problem_of(wrong) == text("sign_in_credentials")
    locked = browser.sign_in(username, "not the password")
    assert locked.status_code == 429 and problem_of(locked) == text("sign_in_locked")
    for password in (PASSWORD, "not the password"):
        refused = browser.sign_in(username, password)
        assert refused.status_code == 429 and problem_of(refused) == text("sign_in_locked")
        assert "seva_session" not in browser.last_set_cookies
    assert db.sessions_of(username) == [] and db.user(username).locked_until is not None


def test_setting_a_password_lifts_a_lock_out(strict_server, db):
    username = db.member("GRO", "pb.bhikhiwind")
    browser = Browser(strict_server.url)
    for _ in range(3):
        browser.sign_in(username, "not the password")
    assert browser.sign_in(username).status_code == 429
    db.seed.staff.set_password(username, PASSWORD)
    assert browser.sign_in(username).status_code == 303 and browser.session
    assert browser.get("/queue").status_code == 200


def test_the_attempts_before_a_lock_out_are_the_ones_configured(server, db):
    username = db.member("GRO", "pb.bhogpur")
    browser = Browser(server.url)
    # Three failures lock the strict server's accounts; the default is five.
    for _ in range(4):
        assert browser.sign_in(username, "not the password").status_code == 401
    assert browser.sign_in(username).status_code == 303
    for _ in range(4):
        assert Browser(server.url).sign_in(username, "not the password").status_code == 401
    assert Browser(server.url).sign_in(username, "not the password").status_code == 429


def test_a_wrong_username_is_answered_as_a_wrong_password(server, db):
    username = db.member("GRO", "pb.bhuchomandi")
    gone = db.member("GRO", "pb.bhuchomandi")
    db.seed.staff.deactivate(gone)
    no_password = db.member("GRO", "pb.bhuchomandi", password=None)
    answers = [
        Browser(server.url).sign_in(name, password)
        for name, password in (
            (username, "not the password"),
            ("no-such-user", PASSWORD),
            (f"{username}x", PASSWORD),
            (gone, PASSWORD),
            (no_password, PASSWORD),
        )
    ]
    assert {(a.status_code, problem_of(a)) for a in answers} == {(401, text("sign_in_credentials"))}
    # The page is the same but for its fresh CSRF token.
    assert len({CSRF_INPUT.sub("", a.text) for a in answers}) == 1


# Cities


def test_a_gro_cannot_see_or_act_on_another_citys_complaint_by_any_address(server, db):
    gro = db.member("GRO", "pb.jalandhar")
    elsewhere = db.seed.complaint("pb.amritsar", photos=[a_stored_photo(db.seed.media)])
    browser = signed_in(server, gro)
    before = db.state(elsewhere.number)
    token = browser.csrf()
    for number in (elsewhere.number, elsewhere.number.lower(), ABSENT):
        answers = [
            browser.get(f"/complaint/{number}"),
            browser.get(f"/complaint/{number}/photos/0"),
            *(
                browser.act(number, action, csrf=token, comment="not ours", assignee="x", template="reject.duplicate")
                for action in ("REJECT", "ASSIGN", "COMMENT", "RESOLVE", "REASSIGN")
            ),
        ]
        for answer in answers:
            assert is_error_page(answer, 404, "error_not_found"), (number, answer.url, answer.status_code)
            assert elsewhere.description not in answer.text
    assert db.state(elsewhere.number) == before
    # As if absent: another city's complaint and one that does not exist get the same page.
    pages = [browser.get(f"/complaint/{n}").text.replace(n, "<number>") for n in (elsewhere.number, ABSENT)]
    assert pages[0] == pages[1]


@pytest.mark.parametrize("path", ["/queue", "/queue.csv", "/dashboard", "/dashboard.csv"])
def test_another_citys_filter_is_a_404_page(server, db, path):
    browser = signed_in(server, db.member("GRO", "pb.jalandhar"))
    for query in ("?city=pb.amritsar", "?city=pb.amritsar&tab=all", "?city=pb.atlantis"):
        assert is_error_page(browser.get(path + query), 404, "error_not_found"), query
    assert browser.get(path + "?city=pb.jalandhar").status_code == 200


def test_another_citys_complaints_appear_nowhere_in_a_gros_queue_csv_or_dashboard(server, db):
    gro = db.member("GRO", "pb.jalandhar")
    lme = db.member("LME", "pb.amritsar", password=None)
    marks = {city: f"Gali {uuid.uuid4().hex[:10]}" for city in ("pb.jalandhar", "pb.amritsar")}
    ours = db.seed.complaint("pb.jalandhar", locality_name=marks["pb.jalandhar"])
    theirs = [db.seed.complaint("pb.amritsar", locality_name=marks["pb.amritsar"]) for _ in range(3)]
    amritsar_gro = Actor("GRO", "someone", "pb.amritsar")
    db.seed.lifecycle.act(theirs[1].number, "ASSIGN", amritsar_gro, assignee=lme)
    db.seed.lifecycle.act(theirs[2].number, "REJECT", amritsar_gro, comment="a duplicate")
    hidden = {c.number for c in theirs}
    browser = signed_in(server, gro)
    seen: set = set()
    for tab in ("unassigned", "at_field", "overdue", "resolved", "rejected", "all"):
        for query in (f"tab={tab}", f"tab={tab}&mine=1", f"tab={tab}&overdue=1"):
            page = browser.get(f"/queue?{query}")
            numbers = queue_numbers(page)
            assert not numbers & hidden and marks["pb.amritsar"] not in page.text, query
            seen |= numbers
    assert ours.number in seen
    listing = browser.get("/queue.csv?tab=all")
    assert ours.number in csv_numbers(listing) and not csv_numbers(listing) & hidden
    assert marks["pb.amritsar"] not in listing.content.decode("utf-8")
    dashboard, figures = browser.get("/dashboard"), browser.get("/dashboard.csv")
    assert dashboard.status_code == figures.status_code == 200
    assert marks["pb.jalandhar"] in dashboard.text and marks["pb.jalandhar"] in figures.content.decode("utf-8")
    for answer in (dashboard, figures):
        body = answer.content.decode("utf-8")
        assert marks["pb.amritsar"] not in body and not any(n in body for n in hidden)


def test_an_admin_of_two_cities_sees_both_in_the_queue_but_not_a_third_citys(server, db):
    admin = db.member("ADMIN", "pb.jalandhar", cities=["pb.jalandhar", "pb.amritsar"])
    jalandhar, amritsar = db.seed.complaint("pb.jalandhar"), db.seed.complaint("pb.amritsar")
    third = db.seed.complaint("pb.ludhiana", photos=[a_stored_photo(db.seed.media)])
    browser = signed_in(server, admin)
    everything = browser.get("/queue?tab=all")
    assert {jalandhar.number, amritsar.number} <= queue_numbers(everything)
    assert third.number not in queue_numbers(everything)
    assert amritsar.number in queue_numbers(browser.get("/queue?tab=all&city=pb.amritsar"))
    assert jalandhar.number not in queue_numbers(browser.get("/queue?tab=all&city=pb.amritsar"))
    listing = csv_numbers(browser.get("/queue.csv?tab=all"))
    assert {jalandhar.number, amritsar.number} <= listing and third.number not in listing
    assert browser.get(f"/complaint/{amritsar.number}").status_code == 200
    for path in ("/queue?city=pb.ludhiana", "/queue.csv?city=pb.ludhiana", "/dashboard?city=pb.ludhiana"):
        assert is_error_page(browser.get(path), 404, "error_not_found"), path
    before = db.state(third.number)
    for answer in (
        browser.get(f"/complaint/{third.number}"),
        browser.get(f"/complaint/{third.number}/photos/0"),
        browser.act(third.number, "REJECT", csrf=browser.csrf(), comment="not ours"),
    ):
        assert is_error_page(answer, 404, "error_not_found")
    assert db.state(third.number) == before


# Field employees


def test_a_field_employee_sees_only_the_complaints_assigned_to_them(server, db):
    city = "pb.kapurthala"
    gro = Actor("GRO", db.member("GRO", city), city)
    lme, other_lme = db.member("LME", city), db.member("LME", city)
    mine, theirs, unassigned = (db.seed.complaint(city) for _ in range(3))
    db.seed.lifecycle.act(mine.number, "ASSIGN", gro, assignee=lme)
    db.seed.lifecycle.act(theirs.number, "ASSIGN", gro, assignee=other_lme)
    browser = signed_in(server, lme)
    for query in ("", "tab=all", "tab=at_field", "tab=unassigned", "tab=all&mine=0", "tab=all&city=" + city):
        numbers = queue_numbers(browser.get(f"/queue?{query}"))
        assert numbers <= {mine.number}, query
    assert queue_numbers(browser.get("/queue?tab=all")) == {mine.number}
    assert re.search(r'data-tab="all">\s*\S[^<]*<span class="count">1</span>', browser.get("/queue").text)
    assert csv_numbers(browser.get("/queue.csv?tab=all")) == {mine.number}
    assert browser.get(f"/complaint/{mine.number}").status_code == 200
    for number in (theirs.number, unassigned.number):
        assert is_error_page(browser.get(f"/complaint/{number}"), 404, "error_not_found")
        before = db.state(number)
        refused = browser.act(number, "COMMENT", csrf=browser.csrf(), comment="mine now?")
        assert is_error_page(refused, 404, "error_not_found") and db.state(number) == before
    # The API answers the field employee alike.
    token = db.seed.staff.issue_token(lme)
    for params in ({}, {"assigned_to": other_lme}, {"status": "PENDINGATLME"}):
        listed = requests.get(
            f"{server.url}/complaints", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        assert listed.status_code == 200 and {c["number"] for c in listed.json()["items"]} == {mine.number}, params


def test_a_field_employees_dashboard_counts_only_the_complaints_assigned_to_them(server, db):
    city = "pb.dhuri"
    gro = Actor("GRO", db.member("GRO", city), city)
    lme = db.member("LME", city)
    mark = f"Gali {uuid.uuid4().hex[:10]}"
    db.seed.complaint(city, locality_name=mark)
    mine = db.seed.complaint(city)
    db.seed.lifecycle.act(mine.number, "ASSIGN", gro, assignee=lme)
    browser = signed_in(server, lme)
    dashboard, figures = browser.get("/dashboard"), browser.get("/dashboard.csv")
    assert dashboard.status_code == figures.status_code == 200
    assert re.search(r'id="open-count">(\d+)<', dashboard.text).group(1) == "1"
    assert mark not in dashboard.text and mark not in figures.content.decode("utf-8")


# History


def test_every_console_action_lands_in_the_history_with_its_actor_role_template_and_a_notification(server, db, media):
    city = "pb.hoshiarpur"
    gro, lme = db.member("GRO", city), db.member("LME", city)
    filed, rejected = db.seed.complaint(city), db.seed.complaint(city)
    officer, employee = signed_in(server, gro), signed_in(server, lme)

    assign_page = officer.get(f"/complaint/{filed.number}")
    assert f'<option value="{lme}">' in assign_page.text and 'value="assign.inspection"' in assign_page.text
    assigned = officer.act(filed.number, "ASSIGN", assignee=lme, template="assign.inspection")
    assert (assigned.status_code, assigned.headers["Location"]) == (303, f"/complaint/{filed.number}?done=ASSIGN")
    assert officer.act(filed.number, "COMMENT", comment="the pole is on the corner").status_code == 303
    resolved = employee.act(
        filed.number, "RESOLVE", template="resolve.replaced", comment="new bulb", photo=("fix.jpg", JPEG, "image/jpeg")
    )
    assert resolved.status_code == 303, resolved.text
    assert officer.act(rejected.number, "REJECT", template="reject.duplicate").status_code == 303

    assert db.history(filed.number) == [
        ("APPLY", "PENDINGFORASSIGNMENT", f"citizen:{filed.citizen}", "CITIZEN", None, None),
        ("ASSIGN", "PENDINGATLME", f"staff:{gro}", "GRO", None, "assign.inspection"),
        ("COMMENT", "PENDINGATLME", f"staff:{gro}", "GRO", "the pole is on the corner", None),
        ("RESOLVE", "RESOLVED", f"staff:{lme}", "LME", "new bulb", "resolve.replaced"),
    ]
    assert db.history(rejected.number)[1:] == [("REJECT", "REJECTED", f"staff:{gro}", "GRO", None, "reject.duplicate")]
    for complaint in (filed, rejected):
        events = db.events(complaint.number)
        assert db.notified(complaint.number) == {e.id: complaint.citizen for e in events if e.action != "APPLY"}

    resolve_event = db.events(filed.number)[-1]
    with db.db.session() as session:
        [proof] = session.scalars(select(Attachment).join(Complaint).where(Complaint.number == filed.number)).all()
        assert (proof.kind, proof.event_id, proof.mime_type) == ("photo", resolve_event.id, "image/jpeg")
        assert proof.sha256 == hashlib.sha256(JPEG).hexdigest()
        stored = Path(proof.uri)
    assert stored.resolve().is_relative_to(media) and stored.read_bytes() == JPEG

    page = officer.get(f"/complaint/{filed.number}")
    assert html.escape(db.seed.lifecycle.responses.get("resolve.replaced").text("en"), quote=True) in page.text
    [link] = re.findall(rf'<img src="(/complaint/{filed.number}/photos/\d+)"', page.text)
    for who in (officer, employee):
        photo = who.get(link)
        assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg" and photo.content == JPEG


# Bad input


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_changes(server, db, media):
    city = "pb.moga"
    gro = Actor("GRO", db.member("GRO", city), city)
    lme = db.member("LME", city)
    filed = db.seed.complaint(city)
    db.seed.lifecycle.act(filed.number, "ASSIGN", gro, assignee=lme)
    browser = signed_in(server, lme)
    before, stored = db.state(filed.number), files_under(media)
    page = b"<!doctype html><script>alert(document.cookie)</script>"
    for photo in (("fix.jpg", page, "image/jpeg"), ("fix.html", page, "text/html"), ("x.png", b"\x89PN", "image/png")):
        for action in ("RESOLVE", "COMMENT"):
            refused = browser.act(filed.number, action, comment="fixed", photo=photo)
            assert refused.status_code == 422 and problem_of(refused) == text("error_photo"), (photo[0], action)
    assert db.state(filed.number) == before and files_under(media) == stored


@pytest.mark.parametrize("action", ["CLOSE", "APPLY", "REOPEN", "RATE", "", "resolve", "COMMENT;DROP"])
def test_an_action_the_console_does_not_take_is_422_and_changes_nothing(server, db, action):
    city = "pb.mohali"
    filed = db.seed.complaint(city)
    browser = signed_in(server, db.member("GRO", city))
    before = db.state(filed.number)
    refused = browser.act(filed.number, action, comment="x", rating="5")
    assert refused.status_code == 422 and problem_of(refused) == text("error_invalid")
    assert db.state(filed.number) == before


def test_a_response_template_of_another_action_is_refused_and_changes_nothing(server, db):
    city = "pb.patiala"
    gro, lme = db.member("GRO", city), db.member("LME", city)
    filed = db.seed.complaint(city)
    browser = signed_in(server, gro)
    before = db.state(filed.number)
    for action, fields in (
        ("REJECT", {"template": "resolve.fixed"}),
        ("REJECT", {"template": "assign.crew", "comment": "a duplicate"}),
        ("ASSIGN", {"template": "reject.duplicate", "assignee": lme}),
        ("COMMENT", {"template": "no.such.template", "comment": "on it"}),
    ):
        refused = browser.act(filed.number, action, **fields)
        assert refused.status_code == 422, (action, fields, refused.status_code)
        assert problem_of(refused) == text("refused_template"), (action, fields)
    assert db.state(filed.number) == before
    assert browser.act(filed.number, "REJECT", template="reject.not_municipal").status_code == 303


def test_a_refused_action_keeps_no_photo(server, db, media):
    city = "pb.patiala"
    filed = db.seed.complaint(city)
    browser = signed_in(server, db.member("GRO", city))
    before, stored = db.state(filed.number), files_under(media)
    for action, fields in (("COMMENT", {"template": "resolve.fixed", "comment": "x"}), ("REJECT", {"comment": " "})):
        photo = ("proof.jpg", JPEG + uuid.uuid4().bytes, "image/jpeg")
        assert browser.act(filed.number, action, photo=photo, **fields).status_code == 422, action
    assert db.state(filed.number) == before
    assert files_under(media) == stored


def test_the_done_notice_names_only_an_action(server, db):
    city = "pb.patiala"
    filed = db.seed.complaint(city)
    browser = signed_in(server, db.member("GRO", city))
    notice = re.compile(r'<p class="done" role="status">(.*?)</p>', re.S)
    done = notice.search(browser.get(f"/complaint/{filed.number}?done=COMMENT").text)
    assert done and done.group(1) == text("action_done").replace("%s", TEXTS["action_COMMENT"])
    spoofed = browser.get(f"/complaint/{filed.number}?done=Call+98765+43210+to+verify+your+account")
    assert spoofed.status_code == 200
    assert not notice.search(spoofed.text) or "98765" not in notice.search(spoofed.text).group(1)


@pytest.mark.parametrize(
    "target, expected",
    [
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("\\\\evil.example/", "/"),
        ("https:evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        # A browser drops a tab from a URL ("//evil.example/"): no address with one is followed.
        ("/\t/evil.example/", "/"),
    ],
)
def test_after_sign_in_next_never_leads_off_the_site(server, db, target, expected):
    browser = Browser(server.url)
    if expected == "/":
        shown = browser.get(f"/signin?next={requests.utils.quote(target, safe='')}")
        assert 'name="next" value="/"' in shown.text
    answer = browser.sign_in(db.member("GRO", "pb.phagwara"), next=target)
    assert (answer.status_code, answer.headers["Location"]) == (303, expected)
    # Where a browser goes (urljoin drops tabs and newlines as browsers do).
    landing = urlsplit(urljoin(server.url + "/signin", answer.headers["Location"]))
    assert landing.netloc == urlsplit(server.url).netloc
    changed = browser.post("/language", data={"language": "en", "csrf": browser.csrf(), "next": target})
    assert (changed.status_code, changed.headers["Location"]) == (303, expected)


def test_after_sign_in_next_leads_back_to_the_page_asked_for(server, db):
    browser = Browser(server.url)
    asked = browser.get("/dashboard?category=Garbage")
    assert (asked.status_code, asked.headers["Location"]) == (303, "/signin?next=%2Fdashboard%3Fcategory%3DGarbage")
    page = browser.get(asked.headers["Location"])
    assert 'name="next" value="/dashboard?category=Garbage"' in page.text
    answer = browser.post(
        "/signin",
        data={
            "csrf": csrf_of(page),
            "username": db.member("GRO", "pb.phagwara"),
            "password": PASSWORD,
            "next": "/dashboard?category=Garbage",
        },
    )
    assert (answer.status_code, answer.headers["Location"]) == (303, "/dashboard?category=Garbage")


@pytest.mark.parametrize(
    "number",
    [
        "nonsense",
        "PB-PGR-2020-01-01-99999",
        "x-PB-PGR-2020-01-01-000001",
        "PB-PGR-2020-01-01-000001-x",
        "PB-PGR-2020-01-01-000001%00",
        "%27%20OR%201%3D1%20--",
        "..%2F..%2Fetc%2Fpasswd",
        "%E0%A8%B8",
    ],
)
def test_a_malformed_complaint_number_is_a_404_page(server, db, number):
    browser = signed_in(server, db.member("GRO", "pb.amritsar"))
    for answer in (
        browser.get(f"/complaint/{number}"),
        browser.get(f"/complaint/{number}/photos/0"),
        browser.act(number, "COMMENT", csrf=browser.csrf(), comment="?"),
    ):
        assert is_error_page(answer, 404, "error_not_found"), (number, answer.status_code)


def test_a_database_that_is_down_is_the_503_page_and_sign_in_still_renders(tmp_path):
    down = StaffApiServer({"DATABASE_URL": DOWN_DATABASE_URL}, tmp_path / "down.log").start()
    try:
        browser = Browser(down.url)
        page = browser.get("/signin")
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
        answer = browser.post("/signin", data={"csrf": csrf_of(page), "username": "asha", "password": PASSWORD})
        assert is_error_page(answer, 503, "error_database"), answer.status_code
        assert answer.headers["Cache-Control"] == "no-store" and "Content-Security-Policy" in answer.headers
        browser.cookies["seva_session"] = "a-session-from-before"
        for response in (browser.get("/queue"), browser.get("/dashboard"), browser.post("/signout", data={})):
            assert is_error_page(response, 503, "error_database"), response.status_code
        assert down.running and browser.get("/signin").status_code == 200
    finally:
        down.stop()


def test_a_citizens_words_are_shown_as_text_never_as_markup(server, db):
    city = "pb.ludhiana"
    words = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    filed = db.seed.complaint(city, description=f"light dead {words}", locality_name=words, landmark=words)
    browser = signed_in(server, db.member("GRO", city))
    for page in (browser.get("/queue?tab=all"), browser.get(f"/complaint/{filed.number}")):
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert(" in page.text


# Headers


def test_every_console_page_is_kept_by_no_browser_and_has_a_content_security_policy(server, db):
    city = "pb.bathinda"
    filed = db.seed.complaint(city)
    browser = signed_in(server, db.member("GRO", city))
    pages = {
        "sign-in": Browser(server.url).get("/signin"),
        "failed sign-in": Browser(server.url).sign_in("no-such-user"),
        "queue": browser.get("/queue"),
        "tab": browser.get("/queue?tab=all&overdue=1&page=2"),
        "complaint": browser.get(f"/complaint/{filed.number}"),
        "dashboard": browser.get("/dashboard"),
        "not found": browser.get(f"/complaint/{ABSENT}"),
        "other city": browser.get("/queue?city=pb.amritsar"),
        "csrf": browser.post("/signout", data={"csrf": "x"}),
        "refused": browser.act(filed.number, "CLOSE"),
        "after an action": browser.get(f"/complaint/{filed.number}?done=COMMENT"),
    }
    for name, page in pages.items():
        assert page.headers["content-type"].startswith("text/html"), name
        assert page.headers["Cache-Control"] == "no-store", name
        policy = page.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, name
    for path in ("/queue.csv", "/dashboard.csv"):
        assert browser.get(path).headers["Cache-Control"] == "no-store", path


def test_the_session_cookie_is_never_in_a_page(server, db):
    browser = signed_in(server, db.member("GRO", "pb.bathinda"))
    cookie = browser.session
    for path in ("/queue", "/dashboard", "/queue.csv", f"/complaint/{ABSENT}"):
        assert cookie not in browser.get(path).text, path
    with db.db.session() as session:
        values = [str(v) for row in session.execute(select(StaffSession.__table__)) for v in row]
    assert values and not any(cookie in v for v in values)


def test_an_officer_merges_a_duplicate_and_its_citizen_follows_the_one_kept(server, db):
    city = "pb.nabha"
    kept, duplicate = db.seed.complaint(city), db.seed.complaint(city)
    browser = signed_in(server, db.member("GRO", city))
    merged = browser.act(duplicate.number, "MERGE", into=kept.number.lower(), comment="same streetlight")
    assert merged.status_code == 303, merged.text
    page = browser.get(f"/complaint/{duplicate.number}")
    assert f'href="/complaint/{kept.number}"' in page.text
    assert '<dd id="followers">1</dd>' in browser.get(f"/complaint/{kept.number}").text
    refused = browser.act(kept.number, "MERGE", into=kept.number)
    assert refused.status_code == 422 and problem_of(refused) == text("refused_merge_into")


# Trainers


def test_a_trainer_lands_on_the_review_inbox_and_no_page_of_complaints_is_theirs(server, db):
    city = "pb.jalandhar"
    filed = db.seed.complaint(city)
    trainer = signed_in(server, db.member("TRAINER", city))
    assert trainer.get("/").headers["Location"] == "/review"
    inbox = trainer.get("/review")
    assert inbox.status_code == 200 and heading_of(inbox) == text("review_title")
    assert text("review_empty") in inbox.text
    assert 'id="nav-review"' in inbox.text and 'href="/queue"' not in inbox.text
    for path in ("/queue", "/queue.csv", "/dashboard", "/dashboard.csv", f"/complaint/{filed.number}"):
        assert is_error_page(trainer.get(path), 403, "error_not_for_your_role"), path
    assert is_error_page(trainer.get("/handovers"), 403, "error_not_operator")
    before = db.state(filed.number)
    refused = trainer.post(f"/complaint/{filed.number}/act", data={"csrf": trainer.csrf("/review"), "action": "REJECT"})
    assert is_error_page(refused, 403, "error_not_for_your_role") and db.state(filed.number) == before


def test_the_staff_api_tells_a_trainer_who_they_are_and_refuses_them_every_complaint(server, db):
    city = "pb.jalandhar"
    filed = db.seed.complaint(city)
    trainer = db.member("TRAINER", city)
    headers = {"Authorization": f"Bearer {db.seed.staff.issue_token(trainer)}"}
    me = requests.get(f"{server.url}/me", headers=headers, timeout=30)
    assert me.status_code == 200 and me.json()["role"] == "TRAINER"
    for path in ("/complaints", f"/complaints/{filed.number}", f"/complaints/{filed.number}/photos/0", "/staff"):
        refused = requests.get(server.url + path, headers=headers, timeout=30)
        assert (refused.status_code, refused.json()["error"]) == (403, "role"), path
    before = db.state(filed.number)
    acted = requests.post(
        f"{server.url}/complaints/{filed.number}/actions", json={"action": "COMMENT", "comment": "x"}, headers=headers
    )
    assert acted.status_code == 403 and db.state(filed.number) == before


def test_officers_and_field_employees_do_not_review_and_an_administrator_does_both(server, db):
    city = "pb.jalandhar"
    for role in ("GRO", "LME"):
        officer = signed_in(server, db.member(role, city))
        assert officer.get("/").headers["Location"] == "/queue"
        assert 'id="nav-review"' not in officer.get("/queue").text
        assert is_error_page(officer.get("/review"), 403, "error_not_for_your_role"), role
        decided = officer.post("/review", data={"csrf": officer.csrf(), "decision": "discard", "key": "x"})
        assert is_error_page(decided, 403, "error_not_for_your_role"), role
    admin = signed_in(server, db.member("ADMIN", city))
    assert admin.get("/").headers["Location"] == "/queue"
    assert admin.get("/queue").status_code == 200 and 'id="nav-review"' in admin.get("/queue").text
    assert admin.get("/review").status_code == 200


def test_a_decision_on_a_message_that_is_not_in_the_inbox_or_of_no_kind_is_refused(server, db):
    trainer = signed_in(server, db.member("TRAINER", "pb.jalandhar"))
    csrf = trainer.csrf("/review")
    gone = trainer.post("/review", data={"csrf": csrf, "decision": "discard", "key": "no such message", "cell": "en"})
    assert is_error_page(gone, 409, "review_gone")
    for form in ({"decision": "keep", "key": "x", "cell": "en"}, {"decision": "discard", "cell": "en"}):
        assert is_error_page(trainer.post("/review", data={"csrf": csrf, **form}), 422, "error_invalid"), form
    assert is_error_page(trainer.get("/review?cell=xx"), 422, "error_invalid")
    assert is_error_page(trainer.get("/review?since=yesterday"), 422, "error_invalid")
    assert is_error_page(trainer.post("/review", data={"decision": "discard", "key": "x"}), 403, "error_csrf")
