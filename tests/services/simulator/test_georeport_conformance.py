"""The simulator against the text of GeoReport v2 (wiki.open311.org/GeoReport_v2), over raw HTTP.

Each test quotes the sentences of the spec it checks. Nothing here goes through ``services/feeds/open311.py`` except
the last tests, which check that the console's parser reads the JSON it gets as before. The query arguments of GET
Service Requests are in ``test_georeport_requests_query.py``.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import requests

from services.feeds import open311

from .georeport_support import as_text, from_xml, get, new_request, post, xml_of
from .test_open311 import REQUEST_FIELDS, TRAFFY_CODES

JURISDICTION = "chiangmaipao.go.th"


# --- Format Support ------------------------------------------------------------------------------------------------
# "The client can specify the desired format by appending the format name to the resource. For example a GET request
# to /services.xml for text/xml output from the services resource and /services/01.json for application/json"
# "XML: Content-Type: text/xml; charset=utf-8" / "JSON: Content-Type: application/json; charset=utf-8"
# "the root element must be preceded with the XML declaration including the encoding="UTF-8" attribute"

@pytest.mark.parametrize(("path", "root"), [
    ("/services", "services"),
    ("/services/forest_fire", "service_definition"),
    ("/requests", "service_requests"),
    ("/requests/1001", "service_requests"),
    ("/servicerequestupdates", "service_requests_updates"),
])
def test_every_get_method_answers_json_and_the_same_data_as_xml(sim, path, root):
    as_json = get(sim, path + ".json")
    as_xml = get(sim, path + ".xml")
    assert as_json.status_code == as_xml.status_code == 200
    assert as_json.headers["Content-Type"] == "application/json; charset=utf-8"
    element = xml_of(as_xml)
    assert element.tag == root
    assert from_xml(element) == as_text(as_json.json())


def test_xml_element_names_are_the_specs(sim):
    services = xml_of(get(sim, "/services.xml"))
    assert {child.tag for child in services} == {"service"}
    assert {e.tag for e in services[0]} >= {"service_code", "service_name", "description", "metadata", "type",
                                            "keywords", "group"}
    definition = xml_of(get(sim, "/services/forest_fire.xml"))
    attribute = definition.find("attributes/attribute")
    assert attribute is not None and definition.findtext("service_code") == "forest_fire"
    assert {e.tag for e in attribute} == {"variable", "code", "datatype", "required", "datatype_description", "order",
                                          "description", "values"}
    assert [e.tag for e in attribute.find("values/value")] == ["key", "name"]
    requests_xml = xml_of(get(sim, "/requests.xml", {"status": "closed"}))
    assert {child.tag for child in requests_xml} == {"request"}
    # The response fields in the order the spec lists them, then our extensions.
    spec_order = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]
    assert [e.tag for e in requests_xml[0]][: len(spec_order)] == spec_order


def test_text_is_utf8_and_hostile_text_stays_well_formed_xml(sim):
    # "UTF-8 is required everywhere." A description with markup, an ampersand, a CDATA end and control characters that
    # XML 1.0 cannot carry must still give a document that parses, with the text intact (the control characters as
    # U+FFFD); JSON carries it exactly.
    text = "ไฟไหม้ <script>alert(1)</script> & ]]> \x01tab\there\x0b"
    rid = new_request(sim, description=text)
    (as_json,) = get(sim, f"/requests/{rid}.json").json()
    assert as_json["description"] == text
    element = xml_of(get(sim, f"/requests/{rid}.xml"))
    assert element.findtext("request/description") == text.replace("\x01", "\ufffd").replace("\x0b", "\ufffd")


def test_datetimes_are_w3c_with_a_timezone(sim):
    # "All date/time fields must be formatted in a common subset of ISO 8601 as per the w3 note. Timezone information
    # (either Z meaning UTC, or an HH:MM offset from UTC) must be included."
    rows = get(sim, "/requests.json").json()
    for row in rows:
        for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
            assert datetime.fromisoformat(row[field]).tzinfo is not None
    for update in get(sim, "/servicerequestupdates.json").json():
        assert datetime.fromisoformat(update["updated_datetime"]).tzinfo is not None


# --- GET Service List / GET Service Definition ---------------------------------------------------------------------

def test_service_list_fields(sim):
    # metadata: "Possible values: true, false"; type: "Possible values: realtime, batch, blackbox"; keywords: "A comma
    # separated list of tags or keywords"
    services = get(sim, "/services.json").json()
    assert {s["service_code"] for s in services} == TRAFFY_CODES
    for service in services:
        assert isinstance(service["service_name"], str) and isinstance(service["description"], str)
        assert service["metadata"] in (True, False) and service["type"] in ("realtime", "batch", "blackbox")
        assert isinstance(service["keywords"], str) and isinstance(service["group"], str)
        # "true: This service request type requires additional metadata so the client will need to make a call to
        # the Service Definition method"
        definition = get(sim, f"/services/{service['service_code']}.json").json()
        assert bool(definition["attributes"]) == service["metadata"]


def test_service_definition_fields(sim):
    # "service_code: Returns the service_code associated with the definition, the same one submitted for this call."
    definition = get(sim, "/services/flooding.json").json()
    assert definition["service_code"] == "flooding"
    orders = []
    for attribute in definition["attributes"]:
        assert attribute["variable"] in (True, False) and attribute["required"] in (True, False)
        assert attribute["datatype"] in ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
        # order: "Any positive integer not used for other attributes in the same service_code"
        assert isinstance(attribute["order"], int) and attribute["order"] > 0
        orders.append(attribute["order"])
        if attribute["datatype"].endswith("valuelist"):
            assert attribute["values"] and all(set(v) == {"key", "name"} for v in attribute["values"])
    assert len(orders) == len(set(orders))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition_of_an_unknown_code_is_404(sim, fmt):
    # "404 - service_code or jurisdiction_id provided were not found (specify in error response)"
    resp = get(sim, f"/services/no_such_service.{fmt}")
    assert resp.status_code == 404
    errors = from_xml(xml_of(resp)) if fmt == "xml" else as_text(resp.json())
    assert errors == [{"code": "404", "description": "Unknown service_code 'no_such_service'"}]


# --- jurisdiction_id -----------------------------------------------------------------------------------------------
# "Implementations can ignore this parameter and treat it as an "Optional Argument" if the implementation only serves
# one jurisdiction." Possible errors: "404 - jurisdiction_id provided was not found (specify in error response)"

@pytest.mark.parametrize("path", ["/services", "/services/road", "/requests", "/requests/1001", "/tokens/1"])
def test_jurisdiction_id_ours_or_none_else_404(sim, path):
    plain = get(sim, path + ".json")
    assert get(sim, path + ".json", {"jurisdiction_id": JURISDICTION}).content == plain.content
    assert get(sim, path + ".json", {"jurisdiction_id": ""}).content == plain.content
    other = get(sim, path + ".xml", {"jurisdiction_id": "sfgov.org"})
    assert other.status_code == 404
    (error,) = from_xml(xml_of(other))
    assert error["code"] == "404" and "jurisdiction_id 'sfgov.org' was not found" in error["description"]


def test_post_with_another_jurisdiction_is_404(sim):
    form = {"api_key": sim.tokens["operator"], "service_code": "road", "lat": "18.79", "long": "98.99"}
    assert post(sim, "/requests.json", {**form, "jurisdiction_id": JURISDICTION}).status_code == 201
    refused = post(sim, "/requests.json", {**form, "jurisdiction_id": "city.gov"})
    assert refused.status_code == 404 and "jurisdiction_id 'city.gov'" in refused.json()[0]["description"]


# --- POST Service Request ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_answers_the_id_never_a_token(sim, fmt):
    # Response: "service_request_id [...] This should not be returned if token is returned"; "token [...] This should
    # not be returned if service_request_id is returned"; service_notice and account_id "May not be returned".
    form = {"api_key": sim.tokens["operator"], "service_code": "tree", "address_string": "Tha Phae Gate, Chiang Mai",
            "email": "somchai@example.org", "device_id": "tt222111", "account_id": "123456", "first_name": "Somchai",
            "last_name": "Jaidee", "phone": "0812345678", "description": "กิ่งไม้หักขวางทาง",
            "media_url": "http://example.org/photo.jpg"}
    resp = post(sim, f"/requests.{fmt}", form)
    assert resp.status_code == 201
    if fmt == "xml":
        element = xml_of(resp)
        assert element.tag == "service_requests" and [e.tag for e in element] == ["request"]
        (answer,) = from_xml(element)
    else:
        (answer,) = resp.json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    (record,) = get(sim, f"/requests/{answer['service_request_id']}.json").json()
    assert record["address"] == form["address_string"] and record["media_url"] == form["media_url"]


def test_post_errors_are_the_specs(sim):
    url = "/requests.json"
    good = {"api_key": sim.tokens["supervisor"], "service_code": "road", "lat": "18.79", "long": "98.99"}
    # "403 - Missing or Invalid API Key (specify in error message)"
    missing_key = {k: v for k, v in good.items() if k != "api_key"}
    assert post(sim, url, missing_key).json() == [{"code": 403, "description": "Missing api_key"}]
    assert post(sim, url, {**good, "api_key": "nope"}).json() == [{"code": 403, "description": "Invalid api_key"}]
    # "400 - service_code or jurisdiction_id was not provided (specified in error response)"
    no_code = post(sim, url, {k: v for k, v in good.items() if k != "service_code"})
    assert no_code.status_code == 400 and "service_code" in no_code.json()[0]["description"]
    # "404 - service_code or jurisdiction_id was not found (specified in error response)"
    unknown = post(sim, url, {**good, "service_code": "nope"})
    assert unknown.status_code == 404 and "nope" in unknown.json()[0]["description"]
    # location parameter: "A full location parameter must be submitted." lat & long: "both need to be sent"
    nowhere = post(sim, url, {k: v for k, v in good.items() if k not in ("lat", "long")})
    assert nowhere.status_code == 400 and "location" in nowhere.json()[0]["description"]
    half = post(sim, url, {k: v for k, v in good.items() if k != "long"})
    assert half.status_code == 400 and "lat and long" in half.json()[0]["description"]
    for place in ({"address_string": "Nimman Soi 7"}, {"address_id": "CM-5012"}):
        assert post(sim, url, {**missing_key, "api_key": good["api_key"], **place}).status_code == 201
    # description: "free form text limited to 4,000 characters"
    assert post(sim, url, {**good, "description": "ก" * 4000}).status_code == 201
    assert post(sim, url, {**good, "description": "ก" * 4001}).status_code == 400
    # attribute: "This is only required if the service_code requires a service definition with required fields"
    fire = {**good, "service_code": "forest_fire"}
    assert "fire_size" in post(sim, url, fire).json()[0]["description"]
    assert post(sim, url, {**fire, "attribute[fire_size]": "small"}).status_code == 201


# --- GET service_request_id from a token ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_token_is_404(sim, fmt):
    # Every service is "realtime: The service request ID will be returned immediately after the service request is
    # submitted", so no token is ever handed out; "404 - jurisdiction_id or token not found (specified in error
    # response)"
    assert {s["type"] for s in get(sim, "/services.json").json()} == {"realtime"}
    resp = get(sim, f"/tokens/12345.{fmt}")
    assert resp.status_code == 404
    errors = from_xml(xml_of(resp)) if fmt == "xml" else as_text(resp.json())
    assert errors == [{"code": "404", "description": "token '12345' was not found"}]


# --- GET Service Request -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_one_request_and_404(sim, fmt):
    # "The service_request_id is specified in the main URL path rather than an added query string parameter."
    ok = get(sim, f"/requests/1001.{fmt}")
    assert ok.status_code == 200 and ok.headers["ETag"].startswith('"1001-v')
    body = from_xml(xml_of(ok)) if fmt == "xml" else ok.json()
    assert len(body) == 1 and body[0]["service_request_id"] == "1001"
    # "The HTTP error codes should always be 404 for resources that don't exist"
    missing = get(sim, f"/requests/999999.{fmt}")
    assert missing.status_code == 404
    errors = from_xml(xml_of(missing)) if fmt == "xml" else as_text(missing.json())
    assert errors == [{"code": "404", "description": "Unknown service_request_id '999999'"}]


# --- Errors --------------------------------------------------------------------------------------------------------
# "errors ⇊ error ↴ code [...] description"; "HTTP error codes are required [...] 404 for resources that don't
# exist, 403 for errors because of wrong or missing api_key and basically 400 for any other error where the request
# can not be fulfilled as expected. Multiple errors codes and descriptions can be returned in the body (the response
# is an array)."

def _error_list(resp: requests.Response, fmt: str) -> list[dict]:
    if fmt == "xml":
        element = xml_of(resp)
        assert element.tag == "errors" and {e.tag for e in element} == {"error"}
        assert all([c.tag for c in error] == ["code", "description"] for error in element)
        return from_xml(element)
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
    body = resp.json()
    assert isinstance(body, list) and body and all(set(e) == {"code", "description"} for e in body)
    return as_text(body)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_bad_argument_is_named_in_its_own_error(sim, fmt):
    resp = get(sim, f"/requests.{fmt}", {"status": "pending", "start_date": "yesterday", "page_size": "5000"})
    assert resp.status_code == 400
    descriptions = [e["description"] for e in _error_list(resp, fmt)]
    assert len(descriptions) == 3 and all(e["code"] == "400" for e in _error_list(resp, fmt))
    assert [d.split()[0] for d in descriptions] == ["status", "start_date", "page_size"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_no_html_error_pages_under_open311(sim, fmt):
    base = sim.feed_base("open311")
    # A wrong method: 405 with Allow, in the error format.
    wrong = requests.delete(f"{base}/requests.{fmt}", timeout=5)
    assert wrong.status_code == 405 and set(wrong.headers["Allow"].split(", ")) >= {"GET", "POST"}
    (error,) = _error_list(wrong, fmt)
    assert error["code"] == "405" and "DELETE" in error["description"]
    assert requests.put(f"{base}/services.{fmt}", timeout=5).status_code == 405
    # A resource that does not exist: 404.
    (error,) = _error_list(requests.get(f"{base}/no/such/thing.{fmt}", timeout=5), fmt)
    assert error["code"] == "404"
    # A multipart text field larger than werkzeug keeps in memory: its 413, as an Open311 error, not its HTML page.
    huge = requests.post(f"{base}/requests.{fmt}", files={"description": (None, "x" * 600_000)}, timeout=5)
    (error,) = _error_list(huge, fmt)
    assert huge.status_code == 413 and error["code"] == "413"


def test_unknown_format_is_a_json_404(sim):
    resp = get(sim, "/services.csv")
    assert resp.status_code == 404
    (error,) = _error_list(resp, "json")
    assert ".json or .xml" in error["description"]


def test_a_fault_inside_the_server_is_an_open311_500(sim):
    # A transition validator (a plug-in of the workflow extension) that breaks: the client still gets an error body.
    def broken(_record, _changes, _role):
        raise RuntimeError("validator bug")

    sim.incidents.validator = broken
    etag = get(sim, "/requests/1001.json").headers["ETag"]
    resp = requests.patch(sim.feed_base("open311") + "/requests/1001.json", json={"assignee": "ทีม A"}, timeout=5,
                          headers={"Authorization": f"Bearer {sim.tokens['operator']}", "If-Match": etag})
    assert resp.status_code == 500
    assert _error_list(resp, "json") == [{"code": "500", "description": "Internal server error"}]


def test_other_feeds_keep_their_own_error_pages(sim):
    # Only /open311 speaks Open311; another feed's unknown path stays a plain HTTP 404.
    resp = requests.get(sim.url + "/air4thai/no/such/page", timeout=5)
    assert resp.status_code == 404 and not resp.headers["Content-Type"].startswith("application/json")


# --- Service Discovery ---------------------------------------------------------------------------------------------
# "GeoReport v2 and subsequent Open311 APIs are also required to have a standard service discovery file"; "This url
# must end in /discovery.<format>"; "Format must be both: xml, json"; "All fields are required."

def test_service_discovery(sim):
    as_json = requests.get(sim.url + "/open311/discovery.json", timeout=5)
    as_xml = requests.get(sim.url + "/open311/discovery.xml", timeout=5)
    body = as_json.json()
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    assert xml_of(as_xml).tag == "discovery" and from_xml(xml_of(as_xml)) == as_text(body)
    (endpoint,) = body["endpoints"]
    assert set(endpoint) == {"specification", "url", "changeset", "type", "formats"}
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2" and endpoint["type"] == "test"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    # The endpoint it names is the one that serves GeoReport v2.
    assert endpoint["url"] == sim.feed_base("open311")
    assert requests.get(endpoint["url"] + "/services.xml", timeout=5).status_code == 200


# --- The console's own parser reads the JSON as before -------------------------------------------------------------

def test_console_parser_reads_the_json_unchanged(sim):
    # The JSON the console polls is a bare list of request objects with exactly the fields it had before XML came.
    feed_poll = get(sim, "/requests.json", {"status": "open,closed", "page_size": "1000"})
    rows = feed_poll.json()
    assert isinstance(rows, list) and all(set(r) == REQUEST_FIELDS for r in rows)
    parsed = open311.parse_requests(feed_poll.content)
    assert not parsed.rejected and [r.id for r in parsed.records] == [r["service_request_id"] for r in rows]
    by_ids = get(sim, "/requests.json", {"service_request_id": ",".join(r["service_request_id"] for r in rows[:5])})
    assert [r.id for r in open311.parse_requests(by_ids.content).records] == [r["service_request_id"] for r in rows[:5]]
    services = open311.parse_services(get(sim, "/services.json").content)
    assert not services.rejected and {s.service_code for s in services.records} == TRAFFY_CODES
    definition = open311.parse_service_definition(get(sim, "/services/forest_fire.json").content, "forest_fire")
    assert not definition.rejected and definition.records[0].code == "fire_size"
    updates = open311.parse_request_updates(get(sim, "/servicerequestupdates.json").content)
    assert not updates.rejected and updates.records
    created = post(sim, "/requests.json", {"api_key": sim.tokens["operator"], "service_code": "road",
                                           "lat": "18.79", "long": "98.99"})
    server_id, token, notice = open311.parse_create_response(created.content)
    assert server_id and token is None and notice


def test_console_parser_reads_every_error_of_a_body(sim):
    resp = get(sim, "/requests.json", {"service_request_id": "999998,1001,999999"})
    assert resp.status_code == 404
    assert open311.parse_error(resp.content) == [(404, "service_request_id '999998' was not found"),
                                                 (404, "service_request_id '999999' was not found")]
    assert json.loads(resp.content) == [{"code": c, "description": d} for c, d in open311.parse_error(resp.content)]
