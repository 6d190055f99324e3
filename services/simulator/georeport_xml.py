"""GeoReport v2's XML form of the simulator's JSON bodies, with the standard library's ElementTree.

GeoReport v2 defines every method in XML and maps JSON onto it with the Spark convention: a JSON list is a container
element holding one kind of repeated child (``<services><service>…``, ``<attributes><attribute>…``), an object is an
element with one child per key, ``null`` is an empty element, and ``true``/``false`` are the words. This module goes
the other way, JSON body → XML, so both formats always carry the same data. The document starts with the XML
declaration naming UTF-8, as the spec's *Encoding* section requires.

Text that XML 1.0 cannot hold (control characters other than tab and line breaks, lone surrogates) is written as
U+FFFD, so a hostile description never makes the document unreadable; ``&`` and ``<`` are escaped by ElementTree.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree as ET

CONTENT_TYPE = "text/xml; charset=utf-8"
_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'

# (root element, repeated child element) of each list body, as the spec's examples name them.
SERVICES = ("services", "service")
SERVICE_REQUESTS = ("service_requests", "request")  # GET requests, GET a request, POST a request, GET a token
ERRORS = ("errors", "error")
# The service request updates extension, as FixMyStreet / mySociety's Open311 endpoints write it.
UPDATES = ("service_requests_updates", "request_update")

# The child element of a list that sits under a key, in nested objects.
_ITEM_OF_KEY = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format",
                # the workflow extension's links: lists of request ids
                "merged_request_ids": "service_request_id", "child_request_ids": "service_request_id",
                "related_request_ids": "service_request_id"}
_NOT_XML_TEXT = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML_TEXT.sub("\ufffd", str(value))


def _fill(element: ET.Element, value: Any, key: str) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child, name)
    elif isinstance(value, list | tuple):
        item = _ITEM_OF_KEY.get(key)
        if item is None:
            raise ValueError(f"no XML element is defined for the items of {key!r}")
        for child in value:
            _fill(ET.SubElement(element, item), child, item)
    else:
        element.text = _text(value)


def document(body: Any, root: str, item: str | None = None) -> bytes:
    """The XML document of ``body``: a list becomes ``<root><item>…</item>…</root>``, an object ``<root>…</root>``."""
    element = ET.Element(root)
    if isinstance(body, list | tuple):
        if item is None:
            raise ValueError(f"a list body needs the element name of its items (root {root!r})")
        for child in body:
            _fill(ET.SubElement(element, item), child, item)
    else:
        _fill(element, body, root)
    return _DECLARATION + ET.tostring(element, encoding="unicode").encode("utf-8")


def is_error_list(body: Any) -> bool:
    """True for an Open311 error body: a non-empty list of ``{"code", "description"}`` objects."""
    return (isinstance(body, list) and bool(body)
            and all(isinstance(e, dict) and set(e) == {"code", "description"} for e in body))
