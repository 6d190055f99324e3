"""Values from outside are capped in log lines: a server that redirects to a huge URL (the server chooses its length)
gives log lines and error messages of a few hundred characters, saying how much was left out."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from werkzeug.wrappers import Request, Response

from services.errors import FeedHTTPError
from services.feeds.http_client import FeedHttpClient
from services.log_values import LOG_VALUE_LIMIT, capped
from tests.support.loopback_wsgi import loopback_server

LONG = 60_000  # under the 64 KiB header-line limit of http.client, so the redirect is followed


def _app(environ, start_response):  # type: ignore[no-untyped-def]
    request = Request(environ)
    if request.path == "/redirect-missing":
        return Response(status=302, headers={"Location": "/missing?q=" + "m" * LONG})(environ, start_response)
    if request.path == "/redirect-ok":
        return Response(status=302, headers={"Location": "/ok?q=" + "k" * LONG})(environ, start_response)
    if request.path == "/ok":
        return Response("fine")(environ, start_response)
    return Response("nothing here", status=404)(environ, start_response)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with loopback_server(_app) as url:
        yield url


def test_capped() -> None:
    assert capped("short") == "short"
    long = "x" * 2_000_000
    assert capped(long) == "x" * LOG_VALUE_LIMIT + f"… ({2_000_000 - LOG_VALUE_LIMIT} more)"
    assert capped("a\r\nforged INFO line\x1b[2J") == "a\\x0d\\x0aforged INFO line\\x1b[2J"
    assert capped("ก" * 10, 4) == "กกกก… (6 more)"
    assert capped(ValueError("boom")) == "boom"
    assert capped("\ud800") == "\\ud800"  # a lone surrogate cannot break the log file's encoding


def test_a_huge_redirect_url_is_capped_in_the_log_and_the_error(server: str, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.INFO, logger="services.feeds"), FeedHttpClient("test", deadline=10.0) as client:
        with pytest.raises(FeedHTTPError) as refused:
            client.get(server + "/redirect-missing")
        result = client.get(server + "/redirect-ok")
    assert result.content == b"fine" and result.url.endswith("k" * 100)  # the result keeps the real URL
    assert len(str(refused.value)) < 700 and "more)" in str(refused.value)
    lines = [r.getMessage() for r in caplog.records if r.name == "services.feeds"]
    assert len(lines) == 2, lines
    assert all(len(line) < 700 for line in lines), [len(line) for line in lines]
    assert all("more)" in line for line in lines)
