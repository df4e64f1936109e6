"""The one reminder to a citizen who stops in the middle of filing, on both databases and with a controlled clock:
quiet for the set time, inside WhatsApp's window, once per filing even with two workers at the same moment."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from seva.reminders import FilingReminders, Reminder
from seva.storage import utcnow

NOW = utcnow()
AFTER = timedelta(minutes=30)


def reminders(services) -> FilingReminders:
    return FilingReminders(services.database, AFTER)


def test_a_filing_quiet_for_the_set_time_is_reminded_once(services):
    filings = reminders(services)
    filings.touch("citizen-quiet", "whatsapp", at=NOW)
    assert filings.claim_due(NOW + timedelta(minutes=29)) == []
    assert filings.claim_due(NOW + timedelta(minutes=30)) == [Reminder("citizen-quiet", "whatsapp")]
    assert filings.claim_due(NOW + timedelta(hours=2)) == []


def test_each_answer_restarts_the_quiet_time_but_never_earns_a_second_reminder(services):
    filings = reminders(services)
    filings.touch("citizen-slow", "whatsapp", at=NOW)
    filings.touch("citizen-slow", "whatsapp", at=NOW + timedelta(minutes=20))
    assert filings.claim_due(NOW + timedelta(minutes=40)) == []
    assert filings.claim_due(NOW + timedelta(minutes=50)) == [Reminder("citizen-slow", "whatsapp")]
    filings.touch("citizen-slow", "whatsapp", at=NOW + timedelta(minutes=55))
    assert filings.claim_due(NOW + timedelta(hours=3)) == []


def test_a_filing_that_ended_is_not_reminded_and_the_next_one_may_be(services):
    filings = reminders(services)
    filings.touch("citizen-done", "rest", at=NOW)
    filings.end("citizen-done")
    assert filings.claim_due(NOW + timedelta(hours=1)) == []
    filings.touch("citizen-done", "rest", at=NOW + timedelta(hours=1))
    assert filings.claim_due(NOW + timedelta(hours=2)) == [Reminder("citizen-done", "rest")]


def test_a_filing_left_outside_whatsapps_window_is_forgotten_not_reminded(services):
    filings = reminders(services)
    filings.touch("citizen-gone", "whatsapp", at=NOW)
    assert filings.claim_due(NOW + timedelta(hours=24)) == []
    assert filings.claim_due(NOW + timedelta(minutes=31)) == []  # forgotten, not merely skipped


def test_two_workers_at_the_same_moment_remind_each_citizen_once(services):
    filings = reminders(services)
    senders = [f"citizen-{i}" for i in range(20)]
    for sender in senders:
        filings.touch(sender, "whatsapp", at=NOW)
    with ThreadPoolExecutor(2) as pool:
        claims = list(pool.map(lambda _: filings.claim_due(NOW + AFTER, limit=100), range(2)))
    claimed = [r.sender_id for claim in claims for r in claim]
    assert sorted(claimed) == sorted(senders)
