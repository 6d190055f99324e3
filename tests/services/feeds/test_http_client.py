"""FeedHttpClient against a real werkzeug server on loopback."""

from __future__ import annotations

import gzip
import json
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from werkzeug.wrappers import Request, Response

from services.errors import DeadlineExceeded, FeedHTTPError, FeedUnavailable
from services.feeds.http_client import DeadlineRetry, FeedHttpClient, FetchResult, redact
from tests.support.loopback_wsgi import loopback_server

SECRET = "c0ffee5ecret0123456789abcdef0123"

hits: Counter[str] = Counter()
_stop = threading.Event()


def _app(environ, start_response):  # noqa: C901 - one small router for every scenario
    request = Request(environ)
    path = request.path
    key = f"{request.method} {request.full_path}"
    hits[key] += 1
    if path == "/ok":
        etag = '"v1"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})(environ, start_response)
        body = json.dumps({"stations": [], "ua": request.headers.get("User-Agent")})
        headers = {"ETag": etag, "Last-Modified": "Mon, 28 Sep 2026 07:00:00 GMT"}
        return Response(body, content_type="application/json", headers=headers)(environ, start_response)
    if path == "/since":
        if request.headers.get("If-Modified-Since") == "Mon, 28 Sep 2026 07:00:00 GMT":
            return Response(status=304)(environ, start_response)
        return Response("fresh")(environ, start_response)
    if path == "/gzip":
        raw = ("เชียงใหม่ " * 2000).encode()
        resp = Response(gzip.compress(raw), content_type="text/plain; charset=utf-8")
        resp.headers["Content-Encoding"] = "gzip"
        return resp(environ, start_response)
    if path == "/flaky":
        if hits[key] == 1:
            return Response("busy", status=503, headers={"Retry-After": "1"})(environ, start_response)
        return Response("recovered")(environ, start_response)
    if path == "/always503":
        after = request.args.get("ra", "0")
        return Response("busy", status=503, headers={"Retry-After": after})(environ, start_response)
    if path == "/429":
        return Response("slow down", status=429, headers={"Retry-After": "0"})(environ, start_response)
    if path == "/slow":
        _stop.wait(float(request.args.get("s", "3")))
        return Response("late")(environ, start_response)
    if path == "/trickle":

        def drip() -> Iterator[bytes]:
            for _ in range(60):
                if _stop.wait(0.5):
                    return
                yield b"x"

        return Response(drip(), headers={"Content-Length": "60"})(environ, start_response)
    if path == "/echo" and request.method == "POST":
        return Response(json.dumps(request.form.to_dict()), content_type="application/json")(environ, start_response)
    if path.startswith("/api/area/csv/"):
        return Response(f"Not found: {request.full_path} <script>x</script>", status=404)(environ, start_response)
    return Response("No such station <script>alert(1)</script>", status=404)(environ, start_response)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    _stop.clear()
    with loopback_server(_app) as url:
        yield url
        _stop.set()  # releases handlers still trickling, so the server can stop


@pytest.fixture
def client() -> Iterator[FeedHttpClient]:
    with FeedHttpClient("test", backoff_factor=0.01, deadline=10.0) as c:
        yield c


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_normal_get_returns_body_and_validators(server, client):
    result = client.get(f"{server}/ok")
    assert isinstance(result, FetchResult)
    assert result.status == 200 and not result.not_modified
    assert json.loads(result.content)["ua"] == "ChiangMaiPAO-Console/0.1 (+ops)"
    assert result.etag == '"v1"'
    assert result.last_modified == "Mon, 28 Sep 2026 07:00:00 GMT"
    assert result.content_type == "application/json"
    assert result.elapsed_s >= 0


def test_gzip_body_is_decoded(server, client):
    result = client.get(f"{server}/gzip")
    assert result.content.decode() == "เชียงใหม่ " * 2000


def test_conditional_get_with_etag_gives_304_not_modified(server, client):
    result = client.get(f"{server}/ok", etag='"v1"')
    assert result.status == 304 and result.not_modified and result.content == b""


def test_conditional_get_with_last_modified(server, client):
    assert client.get(f"{server}/since", last_modified="Mon, 28 Sep 2026 07:00:00 GMT").not_modified
    assert client.get(f"{server}/since").content == b"fresh"


def test_503_with_retry_after_then_success_retries(server, client):
    started = time.monotonic()
    result = client.get(f"{server}/flaky?id=a")
    assert result.content == b"recovered"
    assert hits["GET /flaky?id=a"] == 2
    assert time.monotonic() - started >= 0.9  # Retry-After: 1 was honoured


def test_retry_after_is_capped(server):
    with FeedHttpClient("test", retries=2, backoff_factor=0.01, max_retry_after=0.2) as c:
        started = time.monotonic()
        with pytest.raises(FeedUnavailable, match=r"HTTP 503 after 2 retries"):
            c.get(f"{server}/always503?ra=3600")
    assert time.monotonic() - started < 3
    assert hits["GET /always503?ra=3600"] == 3


def test_retry_after_beyond_deadline_fails_at_once(server):
    with FeedHttpClient("test", deadline=2.0) as c:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded, match="deadline"):
            c.get(f"{server}/always503?ra=20")
    assert time.monotonic() - started < 1.5


def test_429_is_retried_then_unavailable(server):
    with FeedHttpClient("test", retries=2, backoff_factor=0.01) as c:
        with pytest.raises(FeedUnavailable, match=r"rate limited \(HTTP 429\) after 2 retries"):
            c.get(f"{server}/429")
    assert hits["GET /429?"] + hits["GET /429"] == 3


def test_connection_refused(client):
    with pytest.raises(FeedUnavailable, match="connection refused") as info:
        client.get(f"http://127.0.0.1:{closed_port()}/x")
    assert not isinstance(info.value, DeadlineExceeded)


def test_slow_server_beyond_read_timeout(server):
    with FeedHttpClient("test", read_timeout=0.3, retries=1, backoff_factor=0.01) as c:
        started = time.monotonic()
        with pytest.raises(FeedUnavailable, match="timed out"):
            c.get(f"{server}/slow?s=3")
    assert time.monotonic() - started < 2


def test_trickle_beyond_deadline_raises_deadline_exceeded(server):
    with FeedHttpClient("test", deadline=2.0) as c:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            c.get(f"{server}/trickle")
    elapsed = time.monotonic() - started
    assert 1.5 < elapsed < 5


def test_deadline_bounds_slow_headers_across_retries(server):
    # read_timeout alone would allow 4 × 5 s; the deadline cuts every attempt short.
    with FeedHttpClient("test", read_timeout=5, deadline=1.5, backoff_factor=0.01) as c:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            c.get(f"{server}/slow?s=4")
    assert time.monotonic() - started < 3


def test_404_is_feed_http_error_with_short_excerpt(server, client):
    with pytest.raises(FeedHTTPError) as info:
        client.get(f"{server}/nothing-here")
    assert info.value.status == 404
    assert "No such station <script>alert(1)</script>" in str(info.value)


def test_post_is_not_retried(server, client):
    with pytest.raises(FeedUnavailable, match=r"HTTP 503$"):
        client.request("POST", f"{server}/always503?ra=0", data={"a": "1"})
    assert hits["POST /always503?ra=0"] == 1


def test_post_form_round_trip(server, client):
    result = client.request("post", f"{server}/echo", data={"description": "น้ำท่วม \"quoted\" <script>"})
    assert json.loads(result.content) == {"description": "น้ำท่วม \"quoted\" <script>"}


def test_redact_hides_map_key_and_query_keys():
    url = f"https://firms.modaps.eosdis.nasa.gov/api/area/csv/{SECRET}/VIIRS_SNPP_NRT/98.0,17.2,99.6,20.2/1"
    assert SECRET not in redact(url)
    assert redact(url).endswith("/api/area/csv/***/VIIRS_SNPP_NRT/98.0,17.2,99.6,20.2/1")
    assert redact("http://h/requests.json?api_key=abc&x=1&token=t0k&key=k") == (
        "http://h/requests.json?api_key=***&x=1&token=***&key=***"
    )


def test_secrets_never_reach_error_messages_or_logs(server, client, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(FeedHTTPError) as http_error:
        client.get(f"{server}/api/area/csv/{SECRET}/VIIRS_SNPP_NRT/98.0,17.2,99.6,20.2/1")
    with pytest.raises(FeedUnavailable) as refused:
        client.get(f"http://127.0.0.1:{closed_port()}/requests.json?api_key={SECRET}")
    assert SECRET not in str(http_error.value) and "***" in str(http_error.value)
    assert SECRET not in str(refused.value)
    ours = [r for r in caplog.records if r.name.startswith(("services", "urllib3"))]
    assert ours, "expected log lines from the client and urllib3"
    for record in ours:
        assert SECRET not in record.getMessage()


def test_tls_verification_cannot_be_turned_off(tmp_path):
    assert FeedHttpClient("t").verify is True
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    c = FeedHttpClient("t", ca_bundle=str(bundle))
    assert c.verify == str(bundle)
    with pytest.raises(ValueError):
        FeedHttpClient("t", ca_bundle="")
    with pytest.raises(ValueError):
        FeedHttpClient("t", ca_bundle=False)  # type: ignore[arg-type]


def test_retry_new_carries_deadline_and_cap():
    retry = DeadlineRetry(total=3, deadline=123.0, max_retry_after=7.0)
    copy = retry.new(total=2)
    assert copy.deadline == 123.0 and copy.max_retry_after == 7.0 and copy.total == 2
    assert copy.parse_retry_after("3600") == 7.0


def test_a_cancelled_client_retries_nothing(server):
    # The console is closing: a call whose attempt fails ends there, instead of waiting out its retries (a backend
    # going away refuses every retry, and the shutdown's grace for network calls is one second).
    with FeedHttpClient("test", retries=3, backoff_factor=0.5) as c:
        c.cancel()
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded, match="closing"):
            c.get(f"{server}/always503?ra=0")
        assert time.monotonic() - started < 0.5
        with pytest.raises(DeadlineExceeded, match="closing"):
            c.get(f"http://127.0.0.1:{closed_port()}/x")
    assert hits["GET /always503?ra=0"] == 1
    copy = DeadlineRetry(total=3, cancelled=threading.Event()).new(total=2)
    assert copy.cancelled is not None  # every per-call copy of the retry sees the same flag
