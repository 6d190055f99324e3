"""Raw-HTTP helpers for the GeoReport v2 conformance tests: calls without our client, and XML read back as data."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import requests

# Containers whose children are an array under the spec's Spark convention (one kind of repeated child).
ARRAY_ELEMENTS = {"services", "service_requests", "attributes", "values", "errors", "endpoints", "formats",
                  "service_requests_updates",
                  # the workflow extension's links (lists of request ids)
                  "merged_request_ids", "child_request_ids", "related_request_ids"}
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'


def get(sim, path: str, params: Any = None, **kwargs: Any) -> requests.Response:
    """GET ``path`` under the simulator's ``/open311/v2``."""
    return requests.get(sim.feed_base("open311") + path, params=params, timeout=10, **kwargs)


def post(sim, path: str, data: Any, **kwargs: Any) -> requests.Response:
    """POST form ``data`` to ``path`` under ``/open311/v2``."""
    return requests.post(sim.feed_base("open311") + path, data=data, timeout=10, **kwargs)


def from_xml(element: ET.Element) -> Any:
    """An XML element as the data the Spark convention maps it to (leaves as text, empty as None)."""
    children = list(element)
    if element.tag in ARRAY_ELEMENTS:
        return [from_xml(child) for child in children]
    if not children:
        return element.text
    return {child.tag: from_xml(child) for child in children}


def as_text(value: Any) -> Any:
    """JSON data as its XML text: true/false, numbers as written, null and "" as None."""
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or value == "":
        return None
    return str(value)


def xml_of(resp: requests.Response) -> ET.Element:
    """The root element of an XML answer, after checking the spec's content type and XML declaration."""
    assert resp.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert resp.content.startswith(XML_DECLARATION)
    return ET.fromstring(resp.content)


def new_request(sim, **fields: str) -> str:
    """POST a request (form-encoded, operator api_key); its service_request_id."""
    form = {"api_key": sim.tokens["operator"], "service_code": "road", "lat": "18.79", "long": "98.99", **fields}
    resp = post(sim, "/requests.json", form)
    assert resp.status_code == 201, resp.text
    return resp.json()[0]["service_request_id"]
