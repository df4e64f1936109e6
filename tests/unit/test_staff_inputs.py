"""Whatever staff send is a request or a 4xx: the staff API's readers of an action body and of list filters,
fuzzed."""

import json
from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from seva.catalogue import load_catalogue
from seva.staff import StaffMember
from staff.errors import ApiError
from staff.inputs import action_request, complaint_query

MEMBER = StaffMember("gro.jalandhar", "Harpreet Kaur", "GRO", "pb.jalandhar", True, datetime.now(timezone.utc))
JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300)
@given(
    st.one_of(
        st.binary(max_size=200),
        JSON.map(lambda v: json.dumps(v).encode()),
        st.fixed_dictionaries(
            {
                "action": st.sampled_from(["ASSIGN", "COMMENT", "x"]),
                "comment": st.text() | st.none(),
                "assignee": st.text() | st.none(),
            }
        ).map(lambda v: json.dumps(v).encode()),
    )
)
def test_an_action_body_is_a_request_or_a_4xx(body):
    try:
        wanted = action_request(body)
    except ApiError as error:
        assert 400 <= error.status < 500
        return
    assert wanted.action in ("ASSIGN", "REJECT", "RESOLVE", "REASSIGN", "COMMENT")


@settings(max_examples=300)
@given(
    st.dictionaries(
        st.sampled_from(["city", "status", "category", "overdue", "assigned_to", "page", "page_size", "other"]),
        st.lists(st.text(max_size=12), min_size=1, max_size=2),
    )
)
def test_list_filters_are_a_query_or_a_4xx(args):
    try:
        query = complaint_query(args, MEMBER, load_catalogue())
    except ApiError as error:
        assert 400 <= error.status < 500
        return
    assert query.tenant_id == "pb.jalandhar" and query.page >= 0 and 1 <= query.page_size <= 100
