"""Staff passwords and console sessions in the domain, on both databases: Argon2 hashes, the lock-out after
repeated failures, sessions that end when signed out, idle, too old, or when the password or the user changes."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from seva.models import StaffSession, StaffUser
from seva.staff import SignInRefused, StaffError
from seva.storage import utcnow
from seva.workflow import GRO

PASSWORD = "correct horse battery"


@pytest.fixture
def staff(services):
    services.staff.add("asha", "Asha Rani", GRO, "pb.jalandhar")
    services.staff.set_password("asha", PASSWORD)
    return services.staff


def test_a_password_is_kept_as_an_argon2id_hash_and_signs_in(staff, database):
    cookie, session = staff.sign_in("asha", PASSWORD)
    assert session.member.username == "asha" and len(session.csrf_token) >= 40
    assert staff.session(cookie).member.username == "asha"
    with database.session() as s:
        user = s.scalar(select(StaffUser).where(StaffUser.username == "asha"))
        stored = s.scalar(select(StaffSession))
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
        assert stored.token_hash != cookie and cookie not in str(vars(stored))


def test_the_username_is_read_as_typed_on_a_phone(staff):
    assert staff.sign_in(" Asha ", PASSWORD)[1].member.username == "asha"


@pytest.mark.parametrize("username, password", [("asha", "wrong password"), ("nobody", PASSWORD), ("asha", "")])
def test_a_wrong_username_or_password_is_refused_alike(staff, username, password):
    with pytest.raises(SignInRefused) as refused:
        staff.sign_in(username, password)
    assert refused.value.reason == "credentials"


def test_repeated_failures_lock_the_account_even_against_the_right_password_until_the_lockout_ends(staff):
    policy = staff.sessions
    now = utcnow()
    for _ in range(policy.attempts - 1):
        with pytest.raises(SignInRefused, match="credentials"):
            staff.sign_in("asha", "guess", now=now)
    with pytest.raises(SignInRefused) as locked:
        staff.sign_in("asha", "guess", now=now)
    assert locked.value.reason == "locked" and locked.value.until == now + policy.lockout
    with pytest.raises(SignInRefused, match="locked"):
        staff.sign_in("asha", PASSWORD, now=now + policy.lockout - timedelta(seconds=1))
    assert staff.sign_in("asha", PASSWORD, now=now + policy.lockout)[1].member.username == "asha"


def test_a_success_forgets_earlier_failures(staff):
    for _ in range(staff.sessions.attempts - 1):
        with pytest.raises(SignInRefused):
            staff.sign_in("asha", "guess")
    staff.sign_in("asha", PASSWORD)
    for _ in range(staff.sessions.attempts - 1):
        with pytest.raises(SignInRefused, match="credentials"):
            staff.sign_in("asha", "guess")


def test_setting_a_password_lifts_a_lockout_and_ends_every_session(staff):
    cookie, _ = staff.sign_in("asha", PASSWORD)
    for _ in range(staff.sessions.attempts):
        with pytest.raises(SignInRefused):
            staff.sign_in("asha", "guess")
    staff.set_password("asha", "a brand new secret")
    assert staff.session(cookie) is None
    staff.sign_in("asha", "a brand new secret")


@pytest.mark.parametrize("password", ["short", " padded password ", "x" * 201, "Harpreet.Kaur"])
def test_a_password_too_short_too_long_padded_or_the_username_is_refused(services, password):
    services.staff.add("harpreet.kaur", "Harpreet Kaur", GRO, "pb.jalandhar")
    with pytest.raises(StaffError):
        services.staff.set_password("harpreet.kaur", password)


def test_a_session_ends_when_signed_out_idle_too_long_or_too_old(staff):
    now = utcnow()
    policy = staff.sessions
    cookie, _ = staff.sign_in("asha", PASSWORD, now=now)
    assert staff.session(cookie, now=now + policy.idle - timedelta(seconds=1)) is not None
    # Used just now: the idle time counts again from this use.
    assert staff.session(cookie, now=now + policy.idle + timedelta(minutes=1)) is not None
    assert staff.session(cookie, now=now + 2 * policy.idle + timedelta(minutes=2)) is None

    cookie, _ = staff.sign_in("asha", PASSWORD, now=now)
    moment = now
    while moment < now + policy.longest - policy.idle:
        moment += policy.idle / 2
        assert staff.session(cookie, now=moment) is not None
    assert staff.session(cookie, now=now + policy.longest + timedelta(seconds=1)) is None

    cookie, _ = staff.sign_in("asha", PASSWORD)
    staff.sign_out(cookie)
    assert staff.session(cookie) is None


def test_deactivating_a_user_ends_their_sessions_and_refuses_their_password(staff):
    cookie, _ = staff.sign_in("asha", PASSWORD)
    staff.deactivate("asha")
    assert staff.session(cookie) is None
    with pytest.raises(SignInRefused, match="credentials"):
        staff.sign_in("asha", PASSWORD)


@pytest.mark.parametrize("cookie", [None, "", "not-a-session", "é" * 10, "x" * 5000])
def test_a_cookie_that_is_no_session_is_none(staff, cookie):
    assert staff.session(cookie) is None


def test_the_console_language_is_kept_per_user(staff):
    staff.set_language("asha", "pa")
    cookie, session = staff.sign_in("asha", PASSWORD)
    assert session.member.language == "pa"
    with pytest.raises(StaffError):
        staff.set_language("asha", "fr")


def test_only_an_administrator_oversees_further_cities(services):
    admin = services.staff.add("meera", "Meera", "ADMIN", "pb.jalandhar", cities=["pb.amritsar", "pb.jalandhar"])
    assert admin.cities == ("pb.amritsar",) and admin.all_cities == ("pb.jalandhar", "pb.amritsar")
    with pytest.raises(StaffError, match="only an ADMIN"):
        services.staff.add("ravi", "Ravi", GRO, "pb.jalandhar", cities=["pb.amritsar"])
    with pytest.raises(StaffError, match="unknown city"):
        services.staff.add("neha", "Neha", "ADMIN", "pb.jalandhar", cities=["pb.atlantis"])
