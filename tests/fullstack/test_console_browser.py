"""The staff console in a real Chromium, on the running Seva, as its officers live it: a grievance officer signs
in, works the queue down to an overdue complaint and assigns it with a response template; the field employee signs
in on another browser, finds it in their queue and resolves it with a proof photo; the notification worker tells
the citizen on WhatsApp, in Punjabi, and the photo reaches them as the very file the employee attached. The queue,
a complaint's page and the dashboard fit a phone's screen. And when WhatsApp will not take the proof photo, the
update is tried again without the citizen hearing it twice. Screenshots of every page go to results/console/."""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from seva.catalogue import load_catalogue
from seva.complaints import Complaints
from seva.lifecycle import Lifecycle, Photo
from seva.media import keep_image
from seva.responses import load_responses
from seva.staff import Staff
from seva.workflow import ASSIGN, GRO, LME, PENDINGATLME, PENDINGFORASSIGNMENT, RESOLVE, RESOLVED, Actor
from tests import whatsapp_payloads as wa
from tests.fullstack.test_notifications_fullstack import (  # noqa: F401 (staff_api: the fixture, reused)
    a_citizen,
    deliver_all,
    notifications_of,
    retry_now,
    staff_api,
    worker,
)
from tests.fullstack.test_whatsapp_channel import say, shown
from tests.helpers import ROOT, a_draft, letters_scripts

pytestmark = pytest.mark.fullstack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "results" / "console"
DESK = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# A park in a locality of Jalandhar the other full-stack tests leave alone, so that the filters' results are known.
SERVICE, CATEGORY = "ParkRequiresMaintenance", "Parks"
LOCALITY, LOCALITY_NAME = "JLC478", "Preet Nagar"
PASSWORD = "a long staff passphrase 42"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, started once for the module (never a downloaded browser)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def officers(database):
    """A grievance officer and a field employee of Jalandhar, each with a password to sign in with."""
    staff = Staff(database, load_catalogue())
    suffix = uuid.uuid4().hex[:6]
    gro, lme = f"gro.{suffix}", f"lme.{suffix}"
    staff.add(gro, "Harpreet Kaur", GRO, "pb.jalandhar")
    staff.add(lme, "Gurdeep Singh", LME, "pb.jalandhar")
    for username in (gro, lme):
        staff.set_password(username, PASSWORD)
    return {"gro": gro, "lme": lme}


@pytest.fixture
def context(browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=DESK, locale="en-IN")
    yield context
    context.close()


def a_jpeg(tmp_path):
    """A real photo, as a phone's camera would save it: a small JPEG of a mown park."""
    picture = Image.new("RGB", (160, 120), (46, 139, 87))
    for x in range(0, 160, 8):
        for y in range(60, 120):
            picture.putpixel((x, y), (120, 200, 90))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=80)
    path = tmp_path / "park-mown.jpg"
    path.write_bytes(out.getvalue())
    return path


def complaint_in_the_park(database, citizen, days_ago, service=SERVICE, description="ਪਾਰਕ ਵਿੱਚ ਘਾਹ ਬਹੁਤ ਵੱਧ ਗਿਆ ਹੈ"):
    draft = a_draft(
        service_code=service,
        locality_code=LOCALITY,
        locality_name=LOCALITY_NAME,
        description=description,
        photos=[],
    )
    filed = datetime.now(timezone.utc) - timedelta(days=days_ago)
    view, _ = Complaints(database, load_catalogue()).file(
        citizen, "whatsapp", "pa", draft, f"{citizen}:{uuid.uuid4().hex}", now=filed
    )
    return view.number


def shot(page: Page, name: str, device: str = "desk") -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{device}.png"), full_page=True)


def sign_in(page: Page, base: str, username: str, name: str = "", device: str = "desk") -> None:
    page.goto(f"{base}/signin")
    if name:
        shot(page, name, device)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{base}/queue")


def listed(page: Page) -> list:
    """The complaint numbers the queue's table shows."""
    if page.locator("table.queue").count() == 0:
        return []
    return page.locator("table.queue a[href^='/complaint/']").all_inner_texts()


def deliver(servers, database, graph_api) -> None:
    """The notification worker's rounds, in a thread of their own: Playwright's sync API holds this one's loop."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, deliver_all(worker(servers, database, graph_api))).result()


# How wide the page is, how wide the screen, and the innermost elements that reach past it (leaving out those in
# a strip meant to scroll, like the queue's tabs).
WIDTH = """() => {
  const screen = document.documentElement.clientWidth;
  const past = e => e.getBoundingClientRect().right > screen + 1;
  const scrolls = e => e.parentElement && e.parentElement !== document.body &&
    (getComputedStyle(e.parentElement).overflowX !== "visible" || scrolls(e.parentElement));
  const wide = [...document.querySelectorAll("body *")]
    .filter(e => past(e) && !scrolls(e) && ![...e.children].some(past))
    .map(e => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${e.name ? "[name=" + e.name + "]" : ""}`
      + ` ${Math.round(e.getBoundingClientRect().width)} px`);
  return [document.documentElement.scrollWidth, window.innerWidth, screen, wide.slice(0, 5)];
}"""


def too_wide(page: Page, what: str) -> list:
    """Why the page scrolls sideways on the phone, if it does: wider than the screen, or so wide that the browser
    zoomed out to show it whole (its window then wider than the screen)."""
    width, inner, screen, wide = page.evaluate(WIDTH)
    if inner == screen == PHONE["width"] and width <= inner:
        return []
    return [f"{what} is {width} px wide on a {PHONE['width']} px phone: {', '.join(wide)}"]


def test_an_officer_assigns_in_the_browser_and_the_field_employee_resolves_with_a_photo_that_reaches_the_citizen_on_whatsapp(  # noqa: E501
    servers,
    graph_api,
    database,
    staff_api,  # noqa: F811 (the fixture imported above)
    officers,
    browser,
    context,
    tmp_path,
    live,
):
    catalogue = load_catalogue()
    responses = load_responses()
    status = lambda code: catalogue.label("statuses", code, "en")  # noqa: E731
    # A citizen wrote on WhatsApp just now (WhatsApp's 24-hour window is open) about a complaint filed 15 days ago,
    # past the service's 14 days; beside it, in the same locality, a park complaint of today and a garbage one.
    citizen = a_citizen(live)
    say(servers, graph_api, wa.text(citizen, "ਸਤ ਸ੍ਰੀ ਅਕਾਲ ਜੀ"), expect=2)
    number = complaint_in_the_park(database, citizen, days_ago=15)
    fresh_park = complaint_in_the_park(database, a_citizen(live), days_ago=0, description="ਪਾਰਕ ਦਾ ਝੂਲਾ ਟੁੱਟਾ ਹੈ")
    garbage = complaint_in_the_park(
        database, a_citizen(live), days_ago=15, service="GarbageNeedsTobeCleared", description="ਕੂੜਾ ਨਹੀਂ ਚੁੱਕਿਆ"
    )
    base = staff_api.url
    before = len(graph_api.sent_to(citizen))

    # The grievance officer signs in and sees the queue: what is to be assigned, the most overdue first.
    gro = context.new_page()
    sign_in(gro, base, officers["gro"], "signin")
    expect(gro.locator("nav.tabs a[data-tab='unassigned']")).to_have_attribute("aria-current", "page")
    assert listed(gro)[:2] == [number, garbage]  # the two overdue ones, due first of all
    shot(gro, "queue")

    # Parks in Preet Nagar: the garbage complaint goes; overdue only: today's park complaint goes too.
    gro.select_option("select[name=category]", CATEGORY)
    gro.select_option("select[name=locality]", LOCALITY)
    gro.click("#apply-filters")
    gro.wait_for_url(lambda url: f"category={CATEGORY}" in url)
    assert set(listed(gro)) == {number, fresh_park}
    gro.check("input[name=overdue]")
    gro.click("#apply-filters")
    gro.wait_for_url(lambda url: "overdue=1" in url)
    assert listed(gro) == [number]
    expect(gro.locator("table.queue tr.late .badge")).to_have_count(1)
    shot(gro, "queue-filtered")
    # The overdue tab keeps the filters and shows the same one complaint, and counts it.
    gro.click("nav.tabs a[data-tab='overdue']")
    gro.wait_for_url(lambda url: "tab=overdue" in url)
    assert listed(gro) == [number]
    expect(gro.locator("nav.tabs a[data-tab='overdue'] .count")).to_have_text("1")

    # The complaint, then assigning it to the field employee picked from the city's list, with a template.
    gro.click(f"table.queue a[href='/complaint/{number}']")
    gro.wait_for_url(f"{base}/complaint/{number}")
    expect(gro.locator("p.status")).to_contain_text(status(PENDINGFORASSIGNMENT))
    expect(gro.locator("p.status .badge")).to_be_visible()
    expect(gro.locator("details#do-assign")).to_have_attribute("open", "")
    shot(gro, "complaint-before")
    employees = gro.locator("#assignee option").all_inner_texts()
    assert f"Gurdeep Singh ({officers['lme']})" in employees
    assert not any(officers["gro"] in e for e in employees)  # a grievance officer is not a field employee
    gro.select_option("#assignee", label=f"Gurdeep Singh ({officers['lme']})")
    templates = gro.locator("#template-ASSIGN option").evaluate_all("options => options.map(o => o.value)")
    assert set(templates) == {""} | {t.code for t in responses.for_action("ASSIGN")}
    gro.select_option("#template-ASSIGN", "assign.inspection")
    gro.fill("#comment-ASSIGN", "ਕੱਲ੍ਹ ਸਵੇਰੇ ਦੇਖੋ")
    gro.click("#submit-assign")
    gro.wait_for_url(f"{base}/complaint/{number}?done=ASSIGN")
    expect(gro.locator("p.done")).to_be_visible()
    expect(gro.locator("p.status")).to_contain_text(status(PENDINGATLME))
    expect(gro.locator("dl.facts")).to_contain_text(officers["lme"])
    expect(gro.locator("ol.timeline li").first).to_contain_text(responses.get("assign.inspection").text("en"))
    expect(gro.locator("details#do-assign")).to_have_count(0)  # assigned: not to be assigned again
    shot(gro, "complaint-assigned")

    # The citizen hears of it, in Punjabi. (Not yet the officer's template and words: utter_update_assigned in
    # domain.yml has no {comment}, so what staff choose when assigning never reaches the citizen.)
    deliver(servers, database, graph_api)
    [assigned] = graph_api.wait_for(citizen, before + 1)[before:]
    assert number in shown([assigned]) and letters_scripts(shown([assigned])) == {"GURMUKHI"}

    # The field employee, on a browser of their own, finds it in their queue.
    field_context = browser.new_context(viewport=DESK, locale="en-IN")
    try:
        lme = field_context.new_page()
        sign_in(lme, base, officers["lme"])
        # Their queue opens on the work waiting at them: their own only, not the unassigned park complaint.
        expect(lme.locator("nav.tabs a[data-tab='at_field']")).to_have_attribute("aria-current", "page")
        assert listed(lme) == [number]
        shot(lme, "lme-queue")

        photo = a_jpeg(tmp_path)
        lme.click(f"table.queue a[href='/complaint/{number}']")
        lme.wait_for_url(f"{base}/complaint/{number}")
        assert lme.locator("#assignee").count() == 0
        if lme.locator("details#do-resolve[open]").count() == 0:
            lme.click("details#do-resolve summary")
        lme.select_option("#template-RESOLVE", "resolve.fixed")
        lme.fill("#comment-RESOLVE", "ਘਾਹ ਕੱਟ ਦਿੱਤਾ, ਪਾਰਕ ਸਾਫ਼ ਹੈ")
        lme.set_input_files("#photo-RESOLVE", str(photo))
        lme.click("#submit-resolve")
        lme.wait_for_url(f"{base}/complaint/{number}?done=RESOLVE")
        expect(lme.locator("p.done")).to_be_visible()
        expect(lme.locator("p.status")).to_contain_text(status(RESOLVED))
        # The proof is on the complaint's page, and is the employee's photo, byte for byte.
        shown_photo = lme.locator("ul.photos img")
        expect(shown_photo).to_have_count(1)
        lme.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
        assert shown_photo.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [160, 120]
        kept = lme.request.get(base + shown_photo.get_attribute("src"))
        assert kept.ok and kept.body() == photo.read_bytes()
        shot(lme, "complaint-resolved")
    finally:
        field_context.close()

    # The worker tells the citizen: the resolution in Punjabi, in one message with the photo (uploaded, sent by its
    # id) above its Rate and Reopen buttons.
    deliver(servers, database, graph_api)
    [resolved] = graph_api.wait_for(citizen, before + 2)[before + 1 :]
    assert number in shown([resolved]) and responses.get("resolve.fixed").text("pa") in shown([resolved])
    assert "ਘਾਹ ਕੱਟ ਦਿੱਤਾ, ਪਾਰਕ ਸਾਫ਼ ਹੈ" in shown([resolved]) and letters_scripts(shown([resolved])) == {"GURMUKHI"}
    header = resolved["interactive"]["header"]
    assert header["type"] == "image" and set(header["image"]) == {"id"}
    assert graph_api.uploads[header["image"]["id"]] == ("image/jpeg", photo.read_bytes())
    assert len(resolved["interactive"]["action"]["buttons"]) == 2
    assert len(graph_api.sent_to(citizen)) == before + 2  # nothing more, nothing twice

    # The dashboard, for parks in Preet Nagar: today's complaint is open; none is late now.
    gro.click("header nav a[href='/dashboard']")
    gro.wait_for_url(f"{base}/dashboard")
    gro.select_option("form.filters select[name=category]", CATEGORY)
    gro.select_option("form.filters select[name=locality]", LOCALITY)
    gro.click("form.filters button[type=submit]")
    gro.wait_for_url(lambda url: "/dashboard?" in url and f"category={CATEGORY}" in url)
    expect(gro.locator("#open-count")).to_have_text("1")
    expect(gro.locator("#overdue-count")).to_have_text("0")
    shot(gro, "dashboard")
    gro.click("#sign-out")
    gro.wait_for_url(f"{base}/signin")
    gro.goto(f"{base}/queue")
    assert gro.url.startswith(f"{base}/signin?next=")  # signed out: the queue asks to sign in again

    # On a phone: the queue, the complaint's page and the dashboard fit the screen's width, with no sideways
    # scrolling.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-IN")
    try:
        page = phone.new_page()
        sign_in(page, base, officers["gro"], "signin", device="phone")
        page.goto(f"{base}/queue?tab=all&category={CATEGORY}&locality={LOCALITY}")
        assert set(listed(page)) == {number, fresh_park}
        wide = too_wide(page, "the queue")
        shot(page, "queue", "phone")
        page.click(f"table.queue a[href='/complaint/{number}']")
        page.wait_for_url(f"{base}/complaint/{number}")
        page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
        wide += too_wide(page, "a complaint's page")
        shot(page, "complaint", "phone")
        page.click("header nav a[href='/dashboard']")
        page.wait_for_url(f"{base}/dashboard")
        wide += too_wide(page, "the dashboard")
        shot(page, "dashboard", "phone")
    finally:
        phone.close()
    assert wide == []


def test_when_whatsapp_will_not_take_the_proof_photo_the_update_waits_and_the_citizen_gets_it_once(
    servers, graph_api, database, officers, tmp_path, live
):
    """The photo is uploaded before anything is sent: when WhatsApp refuses the upload, nothing went out, the
    notification is tried again, and the citizen hears the resolution once, with its photo."""
    citizen = a_citizen(live)
    say(servers, graph_api, wa.text(citizen, "ਸਤ ਸ੍ਰੀ ਅਕਾਲ ਜੀ"), expect=2)
    number = complaint_in_the_park(database, citizen, days_ago=1, description="ਪਾਰਕ ਦੀ ਲਾਈਟ ਬੰਦ ਹੈ")
    lifecycle = Lifecycle(database, load_catalogue())
    lifecycle.act(number, ASSIGN, Actor(GRO, officers["gro"], "pb.jalandhar"), assignee=officers["lme"])
    deliver(servers, database, graph_api)
    before = len(graph_api.wait_for(citizen, 3))
    # Resolved with a photo kept where the staff API keeps them; WhatsApp refuses the first upload of it.
    jpeg = a_jpeg(tmp_path).read_bytes()
    saved = keep_image(jpeg, Path(servers.media_dir))
    proof = Photo(saved.uri, saved.mime_type, saved.sha256)
    lifecycle.act(number, RESOLVE, Actor(LME, officers["lme"], "pb.jalandhar"), template="resolve.fixed", photo=proof)
    graph_api.fail_next_upload(400, 131053)
    deliver(servers, database, graph_api)
    assert notifications_of(database, number)[-1][0] == "pending"

    retry_now(database)
    deliver(servers, database, graph_api)
    assert [state for state, _, _ in notifications_of(database, number)] == ["sent", "sent"]
    [resolved] = graph_api.wait_for(citizen, before + 1)[before:]
    assert graph_api.uploads[resolved["interactive"]["header"]["image"]["id"]] == ("image/jpeg", jpeg)
    assert load_responses().get("resolve.fixed").text("pa") in shown([resolved])
    time.sleep(1)
    assert len(graph_api.sent_to(citizen)) == before + 1  # the refused attempt sent nothing
