"""The Open311 GeoReport v2 API through real HTTP: `python -m staff.api` on PostgreSQL, seeded through the domain.

Every answer is checked against the spec's fields and types (http://wiki.open311.org/GeoReport_v2): the tables below
are its "Response" tables, and its error list."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import jsonschema
import pytest
import requests

from seva.catalogue import load_catalogue
from seva.workflow import Actor
from tests.helpers import DOWN_DATABASE_URL
from tests.servers import StaffApiServer

PREFIX = "/open311/v2"
W3C_DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"
STRING, NUMBER = {"type": "string"}, {"type": "number"}
DATETIME = {"type": "string", "pattern": W3C_DATETIME}


def nullable(schema: Dict[str, Any]) -> Dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def objects(fields: Dict[str, tuple]) -> Dict[str, Any]:
    """A JSON Schema of a list of objects with these fields (name: (schema, whether the spec requires it)) only."""
    return {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {name: schema for name, (schema, _) in fields.items()},
            "required": [name for name, (_, required) in fields.items() if required],
            "additionalProperties": False,
        },
    }


# GET Service List: every field is always there.
SERVICES = objects(
    {
        "service_code": (STRING, True),
        "service_name": (STRING, True),
        "description": (STRING, True),
        "metadata": ({"type": "boolean"}, True),
        "type": ({"enum": ["realtime", "batch", "blackbox"]}, True),
        # "A comma separated list of tags or keywords".
        "keywords": (STRING, True),
        "group": (STRING, True),
    }
)
# GET Service Requests and GET Service Request: the fields the spec says "may not be returned" are optional; the
# others are there, null where the spec's own example has null or the value is unknown.
REQUESTS = objects(
    {
        "service_request_id": (STRING, True),
        "status": ({"enum": ["open", "closed"]}, True),
        "status_notes": (nullable(STRING), False),
        "service_name": (STRING, True),
        "service_code": (STRING, True),
        "description": (nullable({"type": "string", "maxLength": 4000}), True),
        "agency_responsible": (nullable(STRING), False),
        "service_notice": (nullable(STRING), False),
        "requested_datetime": (DATETIME, True),
        "updated_datetime": (DATETIME, True),
        "expected_datetime": (nullable(DATETIME), False),
        "address": (nullable(STRING), True),
        "address_id": (nullable({"type": ["string", "integer"]}), True),
        "zipcode": (nullable({"type": ["string", "integer"]}), True),
        "lat": (nullable(NUMBER), True),
        "long": (nullable(NUMBER), True),
        "media_url": (nullable(STRING), True),
    }
)
ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}},
        "required": ["code", "description"],
        "additionalProperties": False,
    },
}


def check(response: requests.Response) -> None:
    """The answer is UTF-8 JSON: on success, the spec's list of services or requests; otherwise its error list,
    the code of each error that of the answer."""
    assert response.headers["Content-Type"] == "application/json; charset=utf-8", response.headers
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    if response.status_code == 200:
        assert response.headers["Cache-Control"] == "public, max-age=60"
        path = response.request.path_url
        jsonschema.validate(body, SERVICES if path.startswith(f"{PREFIX}/services.json") else REQUESTS)
    else:
        jsonschema.validate(body, ERRORS)
        assert {error["code"] for error in body} == {response.status_code}


class Open311:
    """HTTP to the Open311 API, with no token; every answer is checked against the spec."""

    def __init__(self, url: str):
        self.url = url

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.request("GET", path, params=params)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        response = requests.request(method, self.url + path, allow_redirects=False, timeout=30, **kwargs)
        check(response)
        return response

    def service_requests(self, **params: Any) -> List[Dict[str, Any]]:
        response = self.get(f"{PREFIX}/requests.json", **params)
        assert response.status_code == 200, response.text
        return response.json()

    def ids(self, **params: Any) -> List[str]:
        return [item["service_request_id"] for item in self.service_requests(**params)]

    def error(self, path: str, **params: Any) -> tuple:
        response = self.get(path, **params)
        [error] = response.json()
        return response.status_code, error["description"]


@pytest.fixture(scope="module")
def api(server) -> Open311:
    return Open311(server.url)


def ago(**delta: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(**delta)


def w3c(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def staff_of(seed, city: str) -> tuple:
    """(GRO actor, LME username) of a new pair of the city's staff."""
    gro, _ = seed.member("GRO", city)
    lme, _ = seed.member("LME", city)
    return Actor("GRO", gro, city), lme


# Services


def test_the_service_list_is_every_service_of_the_catalogue_in_the_specs_fields(api):
    catalogue = load_catalogue()
    response = api.get(f"{PREFIX}/services.json")
    assert response.status_code == 200
    services = response.json()
    assert [s["service_code"] for s in services] == list(catalogue.services)
    head = requests.head(f"{api.url}{PREFIX}/services.json", timeout=30)
    assert (head.status_code, head.content, head.headers["Cache-Control"]) == (200, b"", "public, max-age=60")
    light = next(s for s in services if s["service_code"] == "StreetLightNotWorking")
    assert light == {
        "service_code": "StreetLightNotWorking",
        "service_name": "Street light not working",
        "description": "Settled by the Street Lights department within 14 days.",
        "metadata": False,
        "type": "realtime",
        "keywords": "streetlight, light, repair, work, pole, electric, power, fix",
        "group": "Street lights",
    }


def test_the_service_list_is_the_same_for_every_city_and_in_hindi_or_punjabi_with_a_locale(api):
    english = api.get(f"{PREFIX}/services.json").json()
    assert api.get(f"{PREFIX}/services.json", jurisdiction_id="pb.jalandhar").json() == english
    hindi = api.get(f"{PREFIX}/services.json", locale="hi").json()
    punjabi = api.get(f"{PREFIX}/services.json", locale="pa", jurisdiction_id="pb.amritsar").json()
    light = {s["service_code"]: s for s in hindi}["StreetLightNotWorking"]
    assert (light["service_name"], light["group"]) == ("स्ट्रीट लाइट खराब है", "स्ट्रीट लाइट")
    assert {s["service_code"]: s for s in punjabi}["StreetLightNotWorking"]["service_name"] == "ਸਟ੍ਰੀਟ ਲਾਈਟ ਖ਼ਰਾਬ ਹੈ"


# One request


def test_a_service_request_is_the_complaints_public_fields(api, seed):
    filed = seed.complaint(
        "pb.jalandhar",
        now=datetime(2024, 3, 4, 5, 6, 7, tzinfo=timezone.utc),
        locality_code="JLC476",
        locality_name="Main Road Abadpura",
        landmark="opposite the gurdwara",
    )
    response = api.get(f"{PREFIX}/requests/{filed.number}.json")
    assert response.status_code == 200
    assert response.json() == [
        {
            "service_request_id": filed.number,
            "status": "open",
            "status_notes": "Filed, waiting to be assigned",
            "service_name": "Street light not working",
            "service_code": "StreetLightNotWorking",
            "description": "the streetlight outside my house is dead since a week",
            "agency_responsible": "Street Lights",
            "service_notice": None,
            # In India's time, as the complaint number's date is.
            "requested_datetime": "2024-03-04T10:36:07+05:30",
            "updated_datetime": "2024-03-04T10:36:07+05:30",
            "expected_datetime": "2024-03-18T10:36:07+05:30",
            "address": "opposite the gurdwara, Main Road Abadpura, Jalandhar",
            "address_id": "JLC476",
            "zipcode": None,
            "lat": 31.326,
            "long": 75.576,
            "media_url": None,
        }
    ]
    # The number as a citizen may type it, and the request's own city.
    lower = api.get(f"{PREFIX}/requests/{filed.number.lower()}.json", jurisdiction_id="pb.jalandhar")
    assert lower.json() == response.json()


def test_a_service_request_names_its_service_status_and_place_in_the_locales_language(api, seed):
    filed = seed.complaint("pb.jalandhar", locality_code="JLC476", locality_name="Main Road Abadpura")
    [hindi] = api.get(f"{PREFIX}/requests/{filed.number}.json", locale="hi").json()
    assert (hindi["service_name"], hindi["status_notes"], hindi["agency_responsible"]) == (
        "स्ट्रीट लाइट खराब है",
        "दर्ज, सौंपे जाने की प्रतीक्षा",
        "स्ट्रीट लाइट",
    )
    # The locality has no Hindi name in the catalogue; the town has.
    assert hindi["address"] == "मेन रोड अबादपुरा, जालंधर"


def test_a_request_of_another_city_or_of_no_complaint_is_404(api, seed):
    filed = seed.complaint("pb.amritsar")
    assert api.error(f"{PREFIX}/requests/{filed.number}.json", jurisdiction_id="pb.jalandhar") == (
        404,
        f"There is no service request {filed.number} in pb.jalandhar.",
    )
    assert api.error(f"{PREFIX}/requests/PB-PGR-2020-01-01-999999.json") == (
        404,
        "There is no service request PB-PGR-2020-01-01-999999.",
    )
    assert api.error(f"{PREFIX}/requests/not-a-number.json")[0] == 404


# Filters of requests.json


def test_requests_are_of_the_jurisdiction_asked_for_and_without_one_of_every_city(api, seed):
    ours, theirs = seed.complaint("pb.phagwara"), seed.complaint("pb.zirakpur")
    assert api.ids(jurisdiction_id="pb.phagwara") == [ours.number]
    assert api.ids(jurisdiction_id="PB.Zirakpur") == [theirs.number]
    assert {ours.number, theirs.number} <= set(api.ids())


def test_requests_are_of_the_service_codes_asked_for_repeated_or_comma_separated(api, seed):
    city = "pb.abohar"
    light = seed.complaint(city)
    garbage = seed.complaint(city, "GarbageNeedsTobeCleared", description="garbage not collected")
    drain = seed.complaint(city, "OverflowingOrBlockedDrain", description="the drain overflows")
    assert api.ids(jurisdiction_id=city, service_code="GarbageNeedsTobeCleared") == [garbage.number]
    both = {light.number, drain.number}
    assert set(api.ids(jurisdiction_id=city, service_code="StreetLightNotWorking,OverflowingOrBlockedDrain")) == both
    assert (
        set(api.ids(jurisdiction_id=city, service_code=["StreetLightNotWorking", "OverflowingOrBlockedDrain"])) == both
    )
    assert set(api.ids(jurisdiction_id=city, service_code="")) == {light.number, garbage.number, drain.number}


def test_seva_statuses_are_open_while_waiting_or_at_the_field_and_closed_once_decided(api, seed):
    city = "pb.adampur"
    gro, lme = staff_of(seed, city)
    waiting, at_field, fixed, turned_down = (seed.complaint(city) for _ in range(4))
    for number in (at_field.number, fixed.number):
        seed.lifecycle.act(number, "ASSIGN", gro, assignee=lme)
    seed.lifecycle.act(fixed.number, "RESOLVE", Actor("LME", lme, city))
    seed.lifecycle.act(turned_down.number, "REJECT", gro, comment="a duplicate")

    assert set(api.ids(jurisdiction_id=city, status="open")) == {waiting.number, at_field.number}
    assert set(api.ids(jurisdiction_id=city, status="closed")) == {fixed.number, turned_down.number}
    every = {waiting.number, at_field.number, fixed.number, turned_down.number}
    assert set(api.ids(jurisdiction_id=city, status="open,closed")) == every
    assert set(api.ids(jurisdiction_id=city)) == every
    notes = {
        item["service_request_id"]: (item["status"], item["status_notes"])
        for item in api.service_requests(jurisdiction_id=city)
    }
    assert notes[at_field.number] == ("open", "Assigned to a field employee")
    assert notes[fixed.number] == ("closed", "Resolved")
    assert notes[turned_down.number] == ("closed", "Rejected")


def test_requests_default_to_the_last_90_days_and_dates_choose_another_span_of_filing(api, seed):
    city = "pb.ajnala"
    today, last_month, long_ago = (seed.complaint(city, now=ago(days=d)) for d in (0, 30, 120))

    # Newest first.
    assert api.ids(jurisdiction_id=city) == [today.number, last_month.number]
    start, end = w3c(ago(days=150)), w3c(ago(days=100))
    assert api.ids(jurisdiction_id=city, start_date=start, end_date=end) == [long_ago.number]
    # One end given: the 90 days from it, or up to it.
    assert api.ids(jurisdiction_id=city, start_date=start) == [long_ago.number]
    assert api.ids(jurisdiction_id=city, end_date=w3c(ago(days=29))) == [last_month.number]
    # Both ends are included; "Z" and an offset (a "+" sent unescaped arrives as a space) name instants.
    at = today.created_at
    exactly = at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert api.ids(jurisdiction_id=city, start_date=exactly, end_date=exactly) == [today.number]
    in_india = at.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat()
    response = requests.get(
        f"{api.url}{PREFIX}/requests.json?jurisdiction_id={city}&start_date={in_india}&end_date={in_india}", timeout=30
    )
    assert [item["service_request_id"] for item in response.json()] == [today.number]


def test_requests_asked_by_id_override_every_other_filter_but_the_jurisdiction(api, seed):
    city = "pb.ahmedgarh"
    old, light = seed.complaint(city, now=ago(days=200)), seed.complaint(city)
    elsewhere = seed.complaint("pb.alaawalpur")
    ids = f"{old.number},{light.number.lower()},{elsewhere.number},PB-PGR-2020-01-01-999999,{old.number}"
    assert api.ids(service_request_id=ids, status="closed", service_code="DeadAnimals") == [
        old.number,
        light.number,
        elsewhere.number,
    ]
    assert api.ids(service_request_id=ids, jurisdiction_id=city) == [old.number, light.number]


def test_at_most_1000_requests_are_answered_the_newest_first(api, seed):
    city = "pb.hoshiarpur"
    # Filed before any other test's complaints of the last 90 days, so that every city's list keeps those.
    filed = [seed.complaint(city, now=ago(days=89, minutes=i)) for i in range(1001)]
    answered = api.ids(jurisdiction_id=city)
    assert answered == [view.number for view in filed[:1000]]


# Privacy


def test_no_phone_number_sender_id_staff_name_comment_or_photo_appears_in_any_answer(api, seed):
    city = "pb.amritsar"
    filed = seed.complaint(
        city,
        description="no light, call 98140 12345 or +91-98140-12346 or ९८१४०१२३४७, house 12, PB-PGR-2024-01-15-000001",
        landmark="near Sharma shop 9814012348",
        photos=["whatsapp/2024/abcdef0123456789.jpg", "https://example.org/my-photo.jpg"],
    )
    gro, _ = seed.member("GRO", city)
    lme, _ = seed.member("LME", city)
    officer = Actor("GRO", gro, city)
    seed.lifecycle.act(filed.number, "COMMENT", officer, comment=f"Inspector Gurpreet Singh ({gro}) will visit")
    seed.lifecycle.act(filed.number, "ASSIGN", officer, assignee=lme, comment=f"{lme} please fix by Friday")
    seed.lifecycle.act(filed.number, "RESOLVE", Actor("LME", lme, city), comment=f"bulb replaced by {lme}")

    bodies = [
        api.get(f"{PREFIX}/requests/{filed.number}.json").text,
        api.get(f"{PREFIX}/requests.json", jurisdiction_id=city).text,
        api.get(f"{PREFIX}/requests.json", service_request_id=filed.number, locale="pa").text,
        api.get(f"{PREFIX}/requests.json").text,
    ]
    secrets = [filed.citizen, filed.citizen[2:], "12345", "12346", "१२३४७", "12348", gro, lme]
    secrets += ["GRO of", "LME of", "Gurpreet", "Friday", "bulb", "whatsapp/", "abcdef0123456789", "my-photo"]
    for body in bodies:
        assert filed.number in body
        assert not [secret for secret in secrets if secret in body]
    [item] = api.get(f"{PREFIX}/requests/{filed.number}.json").json()
    assert item["description"] == "no light, call ••• or ••• or •••, house 12, PB-PGR-2024-01-15-000001"
    assert item["address"] == "near Sharma shop •••, Model Town, Amritsar"
    assert (item["status_notes"], item["media_url"]) == ("Resolved", None)


# Errors


@pytest.mark.parametrize(
    "params, description",
    [
        ({"start_date": "yesterday"}, "start_date 'yesterday' is not a w3 datetime with its UTC offset"),
        ({"end_date": "2024-01-15"}, "end_date '2024-01-15' is not a w3 datetime with its UTC offset"),
        ({"start_date": "2024-01-15T10:00:00"}, "start_date '2024-01-15T10:00:00' is not a w3 datetime"),
        ({"start_date": "2024-02-30T00:00:00Z"}, "start_date '2024-02-30T00:00:00Z' is not a w3 datetime"),
        ({"start_date": "2024-03-01T00:00:00Z", "end_date": "2024-02-01T00:00:00Z"}, "start_date is after end_date"),
        ({"start_date": "2024-01-01T00:00:00Z", "end_date": "2024-06-01T00:00:00Z"}, "more than 90 days apart"),
        ({"status": "pending"}, "status 'pending' is open or closed"),
        ({"status": "open,resolved"}, "status 'resolved' is open or closed"),
        ({"service_code": "Potholes"}, "service_code 'Potholes' is not a service of Seva"),
        ({"service_request_id": ",".join(str(i) for i in range(1001))}, "lists 1001 ids; at most 1000"),
        ({"service_request_id": "12345"}, "service_request_id '12345' is not a complaint number"),
        ({"locale": "fr"}, "locale is one of en, hi, pa"),
        ({"jurisdiction_id": ["pb.jalandhar", "pb.amritsar"]}, "jurisdiction_id is given more than once"),
    ],
)
def test_bad_input_is_a_400_saying_what_is_wrong_in_the_specs_error_list(api, params, description):
    status, said = api.error(f"{PREFIX}/requests.json", **params)
    assert status == 400 and description in said


@pytest.mark.parametrize("path", ["services.json", "requests.json", "requests/PB-PGR-2024-01-01-000001.json"])
def test_an_unknown_jurisdiction_is_404_as_the_spec_says(api, path):
    status, said = api.error(f"{PREFIX}/{path}", jurisdiction_id="pb.atlantis")
    assert (status, said) == (
        404,
        "jurisdiction_id 'pb.atlantis' is not a city of Seva; it is a tenant id like pb.jalandhar.",
    )


@pytest.mark.parametrize("path", ["services.xml", "requests.xml", "requests/PB-PGR-2024-01-01-000001.xml"])
def test_only_json_is_served_an_xml_address_is_404_saying_so(api, path):
    status, said = api.error(f"{PREFIX}/{path}")
    assert status == 404 and said.startswith("This Open311 API answers JSON only")


@pytest.mark.parametrize("path", ["/open311/v2/", "/open311/v2/services/StreetLightNotWorking.json", "/open311/v3/x"])
def test_an_unknown_address_under_open311_is_404_in_the_specs_error_list(api, path):
    status, said = api.error(path)
    assert status == 404 and said.startswith(f"There is nothing at {path}")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@pytest.mark.parametrize("path", ["services.json", "requests.json", "requests/PB-PGR-2024-01-01-000001.json"])
def test_the_api_is_read_only_other_methods_are_405(api, method, path):
    response = api.request(method, f"{PREFIX}/{path}", data={"service_code": "StreetLightNotWorking"})
    assert (response.status_code, response.headers["Allow"]) == (405, "GET, HEAD")
    assert "read-only" in response.json()[0]["description"]


def test_a_database_that_is_down_is_a_503_in_the_specs_error_list(tmp_path):
    down = StaffApiServer({"DATABASE_URL": DOWN_DATABASE_URL}, tmp_path / "down.log").start()
    try:
        client = Open311(down.url)
        assert client.error(f"{PREFIX}/requests.json") == (503, "The complaints database cannot be reached; try again.")
        # The services are the catalogue's: no database needed.
        assert client.get(f"{PREFIX}/services.json").status_code == 200
        assert down.running
    finally:
        down.stop()
