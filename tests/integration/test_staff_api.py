"""The staff API through real HTTP: `python -m staff.api` running on PostgreSQL, seeded through the Python API.

Every response is checked against the OpenAPI document the server itself serves."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone
from typing import Optional

import pytest
import requests
from sqlalchemy import select, update

from seva.catalogue import load_catalogue
from seva.masking import masked
from seva.models import Complaint, Notification, StaffToken
from seva.staff import hash_token
from seva.workflow import Actor
from tests.helpers import DOWN_DATABASE_URL, postgres_schema_url, services_on
from tests.integration.seeding import JPEG
from tests.openapi_validation import OpenApi
from tests.servers import StaffApiServer

LONG_AGO = datetime(2020, 1, 6, 9, 0, tzinfo=timezone.utc)


class Client:
    """HTTP to a staff API server; every response is checked against the document the server serves."""

    def __init__(self, url: str, openapi: OpenApi):
        self.url, self.openapi = url, openapi

    def get(self, path: str, token: Optional[str] = None, **kwargs) -> requests.Response:
        return self.request("GET", path, token, **kwargs)

    def post(self, path: str, token: Optional[str] = None, **kwargs) -> requests.Response:
        return self.request("POST", path, token, **kwargs)

    def act(self, number: str, token: str, **body) -> requests.Response:
        return self.post(f"/complaints/{number}/actions", token, json=body)

    def request(self, method: str, path: str, token: Optional[str] = None, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = requests.request(
            method, self.url + path, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        self.openapi.check(method, path, response)
        return response


@pytest.fixture(scope="module")
def openapi(server) -> OpenApi:
    response = requests.get(f"{server.url}/openapi.json", timeout=10)
    assert response.status_code == 200
    return OpenApi(response.json())


@pytest.fixture(scope="module")
def api(server, openapi) -> Client:
    return Client(server.url, openapi)


# Authentication


def test_health_and_the_openapi_document_need_no_token(api):
    assert api.get("/health").json() == {"status": "ok"}
    assert api.get("/openapi.json").json()["openapi"] == "3.0.3"


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer seva_not-a-token", "Bearer nonsense", "Basic dXNlcjpwYXNz"]
)
def test_a_request_without_a_valid_token_is_401(api, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = api.get("/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"] == "unauthorized"


def test_a_revoked_token_or_a_deactivated_user_is_401(api, seed):
    revoked, revoked_token = seed.member("GRO", "pb.amritsar")
    gone, gone_token = seed.member("LME", "pb.amritsar")
    assert api.get("/me", revoked_token).status_code == 200
    seed.staff.revoke_tokens(revoked)
    seed.staff.deactivate(gone)
    for token in (revoked_token, gone_token):
        response = api.get("/complaints", token)
        assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_stops_working_when_it_expires(api, seed):
    _, token = seed.member("GRO", "pb.amritsar")
    with seed.db.session() as session:
        session.execute(
            update(StaffToken)
            .where(StaffToken.token_hash == hash_token(token))
            .values(created_at=datetime.now(timezone.utc) - timedelta(days=91))
        )
    response = api.get("/me", token)
    assert response.status_code == 401 and response.json()["error"] == "unauthorized"


@pytest.mark.parametrize("header", ["Bearer seva_ਟੋਕਨ".encode(), b"Bearer seva_\xff\xfe", b"Bearer seva_%00"])
def test_a_token_of_any_bytes_is_401_not_500(api, header):
    assert requests.get(api.url + "/me", headers={"Authorization": header}, timeout=10).status_code == 401


def test_a_nul_in_a_comment_is_dropped_and_in_an_assignee_refused(api, seed):
    city = "pb.amritsar"
    _, token = seed.member("GRO", city)
    filed = seed.complaint(city)
    answer = api.act(filed.number, token, action="COMMENT", comment="kal\x00 tak \ud800")
    assert answer.status_code == 200 and answer.json()["history"][-1]["comment"] == "kal tak \ufffd"
    refused = api.act(filed.number, token, action="ASSIGN", assignee="asha\x00")
    assert (refused.status_code, refused.json()["error"]) == (422, "invalid_field")


def test_a_token_is_stored_only_as_its_hash(api, seed):
    username, token = seed.member("GRO", "pb.amritsar")
    assert api.get("/me", token).json() == {
        "username": username,
        "name": "GRO of pb.amritsar",
        "role": "GRO",
        "city": "pb.amritsar",
    }
    with seed.db.session() as session:
        rows = [dict(row._mapping) for row in session.execute(select(StaffToken.__table__))]
    assert not any(token in str(value) for row in rows for value in row.values())
    assert hashlib.sha256(token.encode()).hexdigest() in {row["token_hash"] for row in rows}


# Listing


def numbers(response: requests.Response) -> set:
    assert response.status_code == 200, response.text
    return {item["number"] for item in response.json()["items"]}


def test_a_gro_lists_their_citys_complaints_by_status_category_and_overdue(api, seed):
    city = "pb.abohar"
    gro, token = seed.member("GRO", city)
    lme, _ = seed.member("LME", city)
    light = seed.complaint(city)
    garbage = seed.complaint(city, "GarbageNeedsTobeCleared", description="garbage not collected for 4 days")
    late = seed.complaint(city, now=LONG_AGO)
    seed.complaint("pb.adampur")
    seed.lifecycle.act(light.number, "ASSIGN", Actor("GRO", gro, city), assignee=lme)

    assert numbers(api.get("/complaints", token)) == {light.number, garbage.number, late.number}
    assert numbers(api.get("/complaints", token, params={"city": city})) == {light.number, garbage.number, late.number}
    assert numbers(api.get("/complaints", token, params={"status": "PENDINGATLME"})) == {light.number}
    assert numbers(api.get("/complaints", token, params={"category": "Garbage"})) == {garbage.number}
    overdue = api.get("/complaints", token, params={"overdue": "true"})
    assert numbers(overdue) == {late.number} and overdue.json()["items"][0]["overdue"] is True
    assert numbers(api.get("/complaints", token, params={"overdue": "false"})) == {light.number, garbage.number}
    assert numbers(api.get("/complaints", token, params={"assigned_to": lme})) == {light.number}


def test_a_summary_says_what_staff_need_to_pick_a_complaint(api, seed):
    _, token = seed.member("GRO", "pb.ajnala")
    filed = seed.complaint("pb.ajnala", now=LONG_AGO)
    [item] = api.get("/complaints", token).json()["items"]
    assert item == {
        "number": filed.number,
        "status": "PENDINGFORASSIGNMENT",
        "service_code": "StreetLightNotWorking",
        "category": "StreetLights",
        "city": "pb.ajnala",
        "locality": {"code": "L1", "name": "Model Town"},
        "created_at": "2020-01-06T09:00:00+00:00",
        "due_at": "2020-01-20T09:00:00+00:00",
        "overdue": True,
        "assigned_to": None,
    }


def test_a_field_employee_lists_the_complaints_assigned_to_them(api, seed):
    city = "pb.ahmedgarh"
    gro, _ = seed.member("GRO", city)
    lme, lme_token = seed.member("LME", city)
    other_lme, _ = seed.member("LME", city)
    mine, theirs = seed.complaint(city), seed.complaint(city)
    seed.complaint(city)
    seed.lifecycle.act(mine.number, "ASSIGN", Actor("GRO", gro, city), assignee=lme)
    seed.lifecycle.act(theirs.number, "ASSIGN", Actor("GRO", gro, city), assignee=other_lme)
    assert numbers(api.get("/complaints", lme_token, params={"assigned_to": "me"})) == {mine.number}


def test_complaints_come_in_pages_earliest_due_first(api, seed):
    city = "pb.alaawalpur"
    _, token = seed.member("GRO", city)
    filed = [seed.complaint(city, now=LONG_AGO + timedelta(days=i)) for i in range(5)]
    pages = [api.get("/complaints", token, params={"page": p, "page_size": 2}).json() for p in (1, 2, 3)]
    assert [[c["number"] for c in page["items"]] for page in pages] == [
        [filed[0].number, filed[1].number],
        [filed[2].number, filed[3].number],
        [filed[4].number],
    ]
    assert [(p["page"], p["page_size"], p["total"], p["has_more"]) for p in pages] == [
        (1, 2, 5, True),
        (2, 2, 5, True),
        (3, 2, 5, False),
    ]
    assert api.get("/complaints", token, params={"page": 4, "page_size": 2}).json()["items"] == []


def test_another_citys_complaints_are_as_good_as_absent(api, seed):
    _, token = seed.member("GRO", "pb.amloh")
    elsewhere = seed.complaint("pb.amargarh", photos=["https://example.org/light.jpg"])
    listing = api.get("/complaints", token, params={"city": "pb.amargarh"})
    assert listing.status_code == 403 and listing.json()["error"] == "city"
    absent = f"{elsewhere.number[:-6]}999999"
    for number in (elsewhere.number, absent):
        for answer in (
            api.get(f"/complaints/{number}", token),
            api.get(f"/complaints/{number}/photos/0", token),
            api.act(number, token, action="REJECT", comment="not ours"),
        ):
            assert (answer.status_code, answer.json()["error"]) == (404, "not_found")
    assert seed.complaints.get(elsewhere.number).status == "PENDINGFORASSIGNMENT"


@pytest.mark.parametrize(
    "parameter, value",
    [
        ("status", "OPEN"),
        ("status", ""),
        ("category", "Potholes"),
        ("city", "pb.atlantis"),
        ("overdue", "yes"),
        ("page", "two"),
        ("page", "0"),
        ("page", "-1"),
        ("page", "99999999999999999999"),
        ("page_size", "0"),
        ("page_size", "101"),
        ("page_size", "1.5"),
        ("assigned_to", "Not A Username!"),
        ("sort", "due_at"),
    ],
)
def test_a_bad_list_parameter_is_400_naming_it(api, seed, parameter, value):
    _, token = seed.member("GRO", "pb.amritsar")
    response = api.get("/complaints", token, params={parameter: value})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_parameter" and response.json()["parameter"] == parameter
    assert parameter in response.json()["message"]


def test_a_parameter_given_twice_is_400(api, seed):
    _, token = seed.member("GRO", "pb.amritsar")
    response = api.get("/complaints", token, params={"status": ["RESOLVED", "REJECTED"]})
    assert response.status_code == 400 and response.json()["parameter"] == "status"


# One complaint


def test_a_complaint_in_full(api, seed, media):
    city = "pb.anandpursahib"
    gro, token = seed.member("GRO", city)
    photo = media / "ab" / "light.jpg"
    photo.parent.mkdir(exist_ok=True)
    photo.write_bytes(JPEG)
    filed = seed.complaint(city, landmark="near the gurdwara", photos=[str(photo), "https://example.org/2.jpg"])
    body = api.get(f"/complaints/{filed.number.lower()}", token).json()
    assert body["number"] == filed.number
    assert (body["service_name"], body["status_name"], body["department"]) == (
        "Street light not working",
        load_catalogue().label("statuses", "PENDINGFORASSIGNMENT", "en"),
        "Street Lights",
    )
    assert (body["description"], body["landmark"]) == (filed.description, "near the gurdwara")
    assert body["location"] == {"latitude": 31.326, "longitude": 75.576}
    assert body["photos"] == [{"url": f"/complaints/{filed.number}/photos/0"}, {"link": "https://example.org/2.jpg"}]
    # Not assigned to the caller: the number is masked (whole only to the assignee).
    assert body["citizen"] == {"id": masked(filed.citizen), "channel": "whatsapp"}
    assert (body["stage_due_at"], body["rating"]) == (None, None)
    assert body["history"] == [
        {
            "at": filed.created_at.isoformat(),
            "action": "APPLY",
            "status": "PENDINGFORASSIGNMENT",
            "actor": f"citizen:{masked(filed.citizen)}",
            "role": "CITIZEN",
            "comment": None,
        }
    ]
    assert body["allowed_actions"] == ["ASSIGN", "REJECT", "COMMENT", "MERGE"]


def test_an_unknown_complaint_is_404(api, seed):
    _, token = seed.member("GRO", "pb.amritsar")
    for number in ("PB-PGR-2020-01-01-999999", "nonsense", "x-PB-PGR-2020-01-01-000001"):
        assert api.get(f"/complaints/{number}", token).json()["error"] == "not_found"
        assert api.get(f"/complaints/{number}/photos/0", token).status_code == 404
    assert api.act("PB-PGR-2020-01-01-999999", token, action="COMMENT", comment="?").status_code == 404


# Photos


def test_a_saved_photo_is_served_with_its_content_type_and_a_link_is_never_followed(api, seed, media):
    city = "pb.arniwala"
    _, token = seed.member("GRO", city)
    saved = media / "cd" / "pothole.jpg"
    saved.parent.mkdir(exist_ok=True)
    saved.write_bytes(JPEG)
    filed = seed.complaint(city, photos=[str(saved), "https://example.org/pothole.png"])
    photo = api.get(f"/complaints/{filed.number}/photos/0", token)
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg" and photo.content == JPEG
    link = api.get(f"/complaints/{filed.number}/photos/1", token)
    assert (link.status_code, link.json()["error"]) == (404, "not_stored") and "Location" not in link.headers
    assert api.get(f"/complaints/{filed.number}/photos/2", token).status_code == 404


def test_a_photo_outside_the_media_directory_is_404(api, seed, media, tmp_path):
    city = "pb.badhnikalan"
    _, token = seed.member("GRO", city)
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(JPEG)
    (media / "escape.jpg").symlink_to(outside)
    filed = seed.complaint(
        city,
        photos=[
            str(outside),
            str(media / ".." / outside.name),
            "/etc/passwd",
            str(media / "escape.jpg"),
            str(media / "gone.jpg"),
        ],
    )
    for index in range(5):
        response = api.get(f"/complaints/{filed.number}/photos/{index}", token)
        assert response.status_code == 404 and response.json()["error"] == "not_found"


# The workflow


def close_to_now(moment: str, plus: timedelta = timedelta()) -> bool:
    return abs(datetime.fromisoformat(moment) - (datetime.now(timezone.utc) + plus)) < timedelta(minutes=1)


def test_the_whole_lifecycle_gro_assigns_and_the_field_employee_resolves(api, seed):
    city = "pb.baghapurana"
    gro, gro_token = seed.member("GRO", city)
    lme, lme_token = seed.member("LME", city)
    _, bystander_token = seed.member("LME", city)
    filed = seed.complaint(city)

    staff = api.get("/staff", gro_token).json()["items"]
    assert {(m["username"], m["role"], m["active"]) for m in staff} >= {(gro, "GRO", True), (lme, "LME", True)}

    assigned = api.act(filed.number, gro_token, action="ASSIGN", assignee=lme, comment="please fix by Friday")
    assert assigned.status_code == 200, assigned.text
    body = assigned.json()
    assert (body["status"], body["assigned_to"]) == ("PENDINGATLME", lme)
    assert close_to_now(body["stage_due_at"], plus=timedelta(days=3))
    entry = body["history"][-1]
    assert {k: entry[k] for k in ("action", "from_status", "status", "actor", "role", "comment")} == {
        "action": "ASSIGN",
        "from_status": "PENDINGFORASSIGNMENT",
        "status": "PENDINGATLME",
        "actor": f"staff:{gro}",
        "role": "GRO",
        "comment": "please fix by Friday",
    }
    assert close_to_now(entry["at"])
    assert body["allowed_actions"] == ["COMMENT"]

    assert api.get(f"/complaints/{filed.number}", lme_token).json()["allowed_actions"] == [
        "RESOLVE",
        "REASSIGN",
        "COMMENT",
    ]
    # Another field employee's work is not theirs to see.
    assert api.get(f"/complaints/{filed.number}", bystander_token).status_code == 404
    not_theirs = api.act(filed.number, bystander_token, action="RESOLVE")
    assert not_theirs.status_code == 403 and not_theirs.json()["error"] == "not_assigned_to_you"
    not_a_gros = api.act(filed.number, gro_token, action="RESOLVE")
    assert not_a_gros.status_code == 403 and not_a_gros.json()["error"] == "role"

    resolved = api.act(filed.number, lme_token, action="RESOLVE", comment="new bulb fitted")
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert (body["status"], body["stage_due_at"], body["allowed_actions"]) == ("RESOLVED", None, [])
    assert [e["action"] for e in body["history"]] == ["APPLY", "ASSIGN", "RESOLVE"]
    assert (body["history"][-1]["actor"], body["history"][-1]["role"]) == (f"staff:{lme}", "LME")


def test_each_status_change_tells_the_citizen_once_and_a_refusal_not_at_all(api, seed):
    city = "pb.balachaur"
    gro, gro_token = seed.member("GRO", city)
    lme, lme_token = seed.member("LME", city)
    filed = seed.complaint(city)
    assert seed.notifications(filed.number) == 0
    assert api.act(filed.number, gro_token, action="ASSIGN", assignee=lme).status_code == 200
    assert seed.notifications(filed.number) == 1
    assert api.act(filed.number, gro_token, action="RESOLVE").status_code == 403
    assert api.act(filed.number, lme_token, action="REASSIGN").status_code == 422
    assert seed.notifications(filed.number) == 1
    assert api.act(filed.number, lme_token, action="REASSIGN", comment="needs the water department").ok
    assert seed.notifications(filed.number) == 2
    with seed.db.session() as session:
        recipients = session.scalars(
            select(Notification.recipient).join(Complaint).where(Complaint.number == filed.number)
        ).all()
    assert recipients == [filed.citizen, filed.citizen]


def test_assigning_to_a_field_employee_of_another_city_is_422_and_changes_nothing(api, seed):
    city = "pb.ballianwala"
    gro, gro_token = seed.member("GRO", city)
    elsewhere, _ = seed.member("LME", "pb.banga")
    filed = seed.complaint(city)
    for body in ({"assignee": elsewhere}, {"assignee": gro}, {"assignee": "no-such-user"}, {}):
        response = api.act(filed.number, gro_token, action="ASSIGN", **body)
        assert response.status_code == 422
        assert response.json()["error"] == ("assignee" if body else "assignee_required")
    unchanged = api.get(f"/complaints/{filed.number}", gro_token).json()
    assert (unchanged["status"], unchanged["assigned_to"], len(unchanged["history"])) == (
        "PENDINGFORASSIGNMENT",
        None,
        1,
    )
    assert seed.notifications(filed.number) == 0


def test_reject_without_a_comment_is_422_and_changes_nothing(api, seed):
    city = "pb.amritsar"
    _, token = seed.member("GRO", city)
    filed = seed.complaint(city)
    for comment in (None, "", "   "):
        response = api.act(filed.number, token, action="REJECT", comment=comment)
        assert response.status_code == 422 and response.json()["error"] == "comment_required"
    unchanged = api.get(f"/complaints/{filed.number}", token).json()
    assert (unchanged["status"], len(unchanged["history"])) == ("PENDINGFORASSIGNMENT", 1)
    rejected = api.act(filed.number, token, action="REJECT", comment="a duplicate of an earlier complaint")
    assert rejected.json()["status"] == "REJECTED" and len(rejected.json()["history"]) == 2


def test_an_action_the_status_does_not_allow_is_409_and_changes_nothing(api, seed):
    city = "pb.amritsar"
    gro, token = seed.member("GRO", city)
    lme, _ = seed.member("LME", city)
    filed = seed.complaint(city)
    seed.lifecycle.act(filed.number, "ASSIGN", Actor("GRO", gro, city), assignee=lme)
    seed.lifecycle.act(filed.number, "RESOLVE", Actor("LME", lme, city))
    before = api.get(f"/complaints/{filed.number}", token).json()
    notified = seed.notifications(filed.number)
    for action in ({"action": "ASSIGN", "assignee": lme}, {"action": "COMMENT", "comment": "any news?"}):
        response = api.act(filed.number, token, **action)
        assert response.status_code == 409 and response.json()["error"] == "status"
    assert api.get(f"/complaints/{filed.number}", token).json() == before
    assert seed.notifications(filed.number) == notified


# Bodies


@pytest.mark.parametrize(
    "body",
    [b"{", b"[]", b'"ASSIGN"', b"", b"\xff\xfe", b"null", b"[" * 30000 + b"]" * 30000],
    ids=["unfinished", "list", "string", "empty", "not-utf8", "null", "nested-deep"],
)
def test_a_body_that_is_not_a_json_object_is_400(api, seed, body):
    city = "pb.amritsar"
    _, token = seed.member("GRO", city)
    filed = seed.complaint(city)
    response = api.post(
        f"/complaints/{filed.number}/actions", token, data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_json"


@pytest.mark.parametrize(
    "body, error",
    [
        ({"action": "CLOSE"}, "unknown_action"),
        ({"action": "REOPEN", "comment": "x"}, "unknown_action"),
        ({}, "unknown_action"),
        ({"action": "COMMENT", "comment": 5}, "invalid_field"),
        ({"action": "COMMENT", "comment": "x", "priority": "high"}, "unknown_field"),
    ],
)
def test_a_body_asking_for_something_the_api_does_not_do_is_422(api, seed, body, error):
    city = "pb.amritsar"
    _, token = seed.member("GRO", city)
    filed = seed.complaint(city)
    response = api.post(f"/complaints/{filed.number}/actions", token, json=body)
    assert response.status_code == 422 and response.json()["error"] == error


def test_a_body_over_64_kb_is_413(api, seed):
    city = "pb.amritsar"
    _, token = seed.member("GRO", city)
    filed = seed.complaint(city)
    response = api.act(filed.number, token, action="COMMENT", comment="x" * (64 * 1024))
    assert response.status_code == 413 and response.json()["error"] == "payload_too_large"
    assert seed.notifications(filed.number) == 0


# The rest


def test_the_staff_list_is_the_callers_city_inactive_members_marked(api, seed):
    city = "pb.adampur"
    gro, token = seed.member("GRO", city)
    gone, _ = seed.member("LME", city)
    seed.member("LME", "pb.abohar")
    seed.staff.deactivate(gone)
    staff = api.get("/staff", token).json()["items"]
    assert {m["username"]: m["active"] for m in staff} == {gro: True, gone: False}


def test_unknown_addresses_and_methods_answer_json(api, openapi):
    for method, path, status in (
        ("GET", "/nowhere", 404),
        ("DELETE", "/me", 405),
        ("GET", "/complaints/PB-PGR-2020-01-01-000001/actions", 405),
    ):
        response = requests.request(method, api.url + path, timeout=10)
        assert response.status_code == status
        openapi.validate(response.json(), openapi.component("Error"))


def test_every_route_of_the_app_is_in_the_openapi_document(openapi, schema):
    from staff.api import create_app

    app = create_app(services_on(postgres_schema_url(schema)))
    routes = {
        (re.sub(r"<(\w+)(:[^>]*)?>", r"{\1}", route.uri), method.lower())
        for route in app.router.routes
        for method in route.methods
        # The console's pages are HTML for people, and Open311 has its own specification: neither is this API.
        if ".console_" not in route.name and ".open311_" not in route.name
    }
    documented = {
        (path, method)
        for path, operations in openapi.document["paths"].items()
        for method in operations
        if method != "parameters"
    }
    assert routes == documented


def test_every_json_response_of_the_document_has_a_schema_under_components(openapi):
    for path, operations in openapi.document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = openapi.document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                for content in (response.get("content") or {}).values():
                    assert content["schema"]["$ref"].startswith("#/components/schemas/"), (path, method, status)


def test_a_database_that_is_down_is_503_and_the_server_stays_up(openapi, tmp_path):
    down = StaffApiServer({"DATABASE_URL": DOWN_DATABASE_URL}, tmp_path / "down.log").start()
    try:
        client = Client(down.url, openapi)
        for _ in range(2):
            response = client.get("/complaints", "seva_any-token")
            assert response.status_code == 503 and response.json()["error"] == "service_unavailable"
        assert client.get("/health").status_code == 200 and down.running
    finally:
        down.stop()
