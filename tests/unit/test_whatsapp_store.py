"""The WhatsApp channel's memory of message ids: a redelivery within the promised week is recognised, and ids
older than that are forgotten on the channel's own schedule, so the table does not grow without bound."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from connectors.whatsapp.store import FORGET_EVERY, MAX_ATTEMPTS, ChannelStore, SeenMessage

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
WEEK = timedelta(days=7)


def kept(services):
    with services.database.session() as session:
        return set(session.scalars(select(SeenMessage.message_id)))


def test_a_redelivery_of_a_handled_message_within_the_week_is_recognised(sqlite_services):
    store = ChannelStore(sqlite_services.database, keep_seen=WEEK)
    assert store.first_time("wamid.1", "919812345678", now=T0)
    store.handled("wamid.1", now=T0)
    assert not store.first_time("wamid.1", "919812345678", now=T0 + timedelta(days=6))


def test_ids_older_than_the_week_are_forgotten_by_the_next_message_after_the_hour(sqlite_services):
    store = ChannelStore(sqlite_services.database, keep_seen=WEEK)
    store.first_time("wamid.old", "919812345678", now=T0)
    store.first_time("wamid.recent", "919812345678", now=T0 + timedelta(days=5))
    assert kept(sqlite_services) == {"wamid.old", "wamid.recent"}
    store.first_time("wamid.new", "919812345679", now=T0 + WEEK + timedelta(minutes=1))
    assert kept(sqlite_services) == {"wamid.recent", "wamid.new"}


def test_forgetting_runs_at_most_once_an_hour(sqlite_services):
    store = ChannelStore(sqlite_services.database, keep_seen=WEEK)
    store.first_time("wamid.a", "919812345678", now=T0)
    store.first_time("wamid.b", "919812345678", now=T0 + timedelta(seconds=1))
    later = T0 + WEEK + timedelta(minutes=30)
    store.first_time("wamid.c", "919812345678", now=later - FORGET_EVERY + timedelta(minutes=1))
    # Less than an hour since the last forgetting: nothing forgotten yet, however old.
    store.first_time("wamid.d", "919812345678", now=later)
    assert {"wamid.a", "wamid.b"} <= kept(sqlite_services)
    store.first_time("wamid.e", "919812345678", now=later + FORGET_EVERY)
    assert not {"wamid.a", "wamid.b"} & kept(sqlite_services)


def test_the_period_is_the_channels_setting(sqlite_services):
    store = ChannelStore(sqlite_services.database, keep_seen=timedelta(days=2))
    store.first_time("wamid.1", "919812345678", now=T0)
    assert store.forget_old(now=T0 + timedelta(days=2, minutes=1)) == 1
    with sqlite_services.database.session() as session:
        assert session.scalar(select(func.count()).select_from(SeenMessage)) == 0


LEASE = timedelta(minutes=2)


def test_a_handled_message_is_never_handed_out_again(sqlite_services):
    store = ChannelStore(sqlite_services.database, lease=LEASE)
    assert store.first_time("wamid.1", "919812345678", '{"x": 1}', now=T0)
    store.handled("wamid.1", now=T0 + timedelta(seconds=1))
    assert store.due_again(now=T0 + timedelta(hours=1)) == []
    assert not store.first_time("wamid.1", "919812345678", '{"x": 1}', now=T0 + timedelta(hours=1))


def test_a_message_not_handled_is_handed_out_again_once_its_lease_runs_out(sqlite_services):
    store = ChannelStore(sqlite_services.database, lease=LEASE)
    store.first_time("wamid.1", "919812345678", '{"x": 1}', now=T0)
    store.first_time("wamid.2", "919812345678", '{"x": 2}', now=T0 + timedelta(seconds=1))
    assert store.due_again(now=T0 + timedelta(minutes=1)) == []  # still being handled
    later = T0 + timedelta(minutes=3)
    due = store.due_again(now=later)
    assert [(row.message_id, row.payload, row.attempts) for row in due] == [
        ("wamid.1", '{"x": 1}', 2),
        ("wamid.2", '{"x": 2}', 2),
    ]
    # Another replica looking at the same moment finds them taken.
    assert store.due_again(now=later) == []


def test_a_redelivery_of_a_message_never_handled_is_taken_once_its_lease_ran_out(sqlite_services):
    store = ChannelStore(sqlite_services.database, lease=LEASE)
    store.first_time("wamid.1", "919812345678", "{}", now=T0)
    assert not store.first_time("wamid.1", "919812345678", "{}", now=T0 + timedelta(minutes=1))
    assert store.first_time("wamid.1", "919812345678", "{}", now=T0 + timedelta(minutes=3))


def test_a_message_that_keeps_failing_is_given_up_on(sqlite_services):
    store = ChannelStore(sqlite_services.database, lease=LEASE)
    store.first_time("wamid.bad", "919812345678", "{}", now=T0)
    tries = 1
    for minute in range(3, 60, 3):
        tries += len(store.due_again(now=T0 + timedelta(minutes=minute)))
    assert tries == MAX_ATTEMPTS


def test_replies_whatsapp_could_not_take_wait_in_order_and_are_leased(sqlite_services):
    store = ChannelStore(sqlite_services.database, lease=LEASE)
    store.queue("wamid.1:0", "919812345678", {"n": 1}, now=T0)
    store.queue("wamid.1:1", "919812345678", {"n": 2}, now=T0 + timedelta(seconds=1))
    store.queue("wamid.1:0", "919812345678", {"n": 1}, now=T0 + timedelta(seconds=2))  # queued once only
    assert store.has_queued("919812345678") and not store.has_queued("919800000000")
    assert store.queued_due(now=T0) == []  # the first wait
    due = store.queued_due(now=T0 + timedelta(seconds=10))
    assert [row.key for row in due] == ["wamid.1:0", "wamid.1:1"]
    assert store.queued_due(now=T0 + timedelta(seconds=11)) == []  # leased to the first caller
    store.dequeue("wamid.1:0", delivered=True)
    assert store.was_sent("wamid.1:0") and not store.was_sent("wamid.1:1")
    store.retry_later("wamid.1:1", now=T0 + timedelta(seconds=12))
    assert store.queued_due(now=T0 + timedelta(seconds=13)) == []
    assert [row.key for row in store.queued_due(now=T0 + timedelta(minutes=5))] == ["wamid.1:1"]


def test_a_later_reply_never_overtakes_an_earlier_one(sqlite_services):
    store = ChannelStore(sqlite_services.database, lease=timedelta(seconds=10))
    store.queue("wamid.1:0", "919812345678", {"n": 1}, now=T0)
    store.queue("wamid.2:0", "919812345678", {"n": 2}, now=T0 + timedelta(seconds=1))
    assert [row.key for row in store.queued_due(now=T0 + timedelta(seconds=6))] == ["wamid.1:0", "wamid.2:0"]
    store.retry_later("wamid.1:0", now=T0 + timedelta(seconds=7))  # the first failed again: next in 10 s
    # The second one's lease ran out sooner, but it waits for the first.
    assert store.queued_due(now=T0 + timedelta(seconds=16.5)) == []
    assert [row.key for row in store.queued_due(now=T0 + timedelta(seconds=17))] == ["wamid.1:0", "wamid.2:0"]


SKIP_OR_YES = [("📷 छोड़ें", "/skip"), ("Yes, file it", "/file_second_complaint")]


def test_a_reply_typing_a_buttons_label_picks_it_in_any_case_and_punctuation(sqlite_services):
    store = ChannelStore(sqlite_services.database, keep_seen=WEEK)
    store.remember_choices("919812345678", SKIP_OR_YES, numbered=False)
    assert store.chosen("919812345678", "छोड़ें") == "/skip"
    assert store.chosen("919812345678", "yes file it!") == "/file_second_complaint"
    assert store.chosen("919812345678", "yes, file it and also the road") is None
    # A number answers only options that went out numbered.
    assert store.chosen("919812345678", "2") is None
    assert store.chosen("919812345679", "Yes, file it") is None


def test_a_number_or_a_label_picks_from_a_numbered_text_until_a_newer_question(sqlite_services):
    store = ChannelStore(sqlite_services.database, keep_seen=WEEK)
    store.remember_choices("919812345678", SKIP_OR_YES, numbered=True)
    assert store.chosen("919812345678", "2.") == "/file_second_complaint"
    assert store.chosen("919812345678", "3") is None
    assert store.chosen("919812345678", "YES, FILE IT") == "/file_second_complaint"
    store.forget_choices("919812345678")
    assert store.chosen("919812345678", "2") is None
