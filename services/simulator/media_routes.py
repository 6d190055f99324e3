"""The media extension (prefix ``/open311/v2``): photos and documents uploaded to a request.

- ``POST /requests/<id>/media.json``: ``multipart/form-data`` with the file in field ``media`` (its filename and
  content type as the part gives them) and ``kind`` = photo | after_photo | file (default photo). Needs
  ``Authorization: Bearer`` of an operator or supervisor (viewer 403, missing or unknown 401). 201 with the media
  object and the request's new ``ETag``: the upload is a change (version +1, an update in the updates feed), and the
  first image becomes the request's ``media_url`` when it has none. ``Idempotency-Key`` as on the other writes: a
  repeat with the same key and the same file replays the first answer (``Idempotent-Replayed: true``) and stores
  nothing again; the same key with another file or kind gives 422.
- Refusals, each with an Open311 error body: 400 (no file, empty file, unknown kind), 404 (unknown request),
  413 (more than :data:`~services.simulator.media_store.MAX_MEDIA_BYTES`), 415 (not an image type or PDF).
- ``GET /requests/<id>/media.json``: the request's media, oldest first; ``GET /media/<media_id>``: the bytes, with
  their content type, ``ETag`` = the SHA-256 and ``X-Content-Type-Options: nosniff``.

Media object: ``media_id``, ``service_request_id``, ``filename``, ``content_type``, ``size``, ``sha256`` (hex),
``kind``, ``uploaded_at`` (W3C), ``url`` (of the bytes).
"""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

from flask import Blueprint, Response, request, send_file
from werkzeug.exceptions import RequestEntityTooLarge

from services.simulator.incidents import IncidentError, IncidentStore, etag_of
from services.simulator.media_store import MAX_MEDIA_BYTES, check_upload, clean_filename

PREFIX = "/open311/v2"
# What the body may hold besides the file (boundaries, part headers, the kind field). A body past the file limit plus
# this is refused before it is read (werkzeug's 413); a file a little too big is read and refused with the reason.
_FORM_OVERHEAD = 1024 * 1024


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    resp = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def make_blueprint(store: IncidentStore) -> Blueprint:
    """The media routes, beside the Open311 ones under the same prefix."""
    bp = Blueprint("open311_media", __name__, url_prefix=PREFIX)

    @bp.errorhandler(IncidentError)
    def on_error(exc: IncidentError) -> Response:
        return _json(exc.body, exc.status, exc.headers)

    @bp.errorhandler(RequestEntityTooLarge)
    def on_too_large(_exc: RequestEntityTooLarge) -> Response:
        return _json([{"code": 413, "description": f"the upload is larger than {MAX_MEDIA_BYTES} bytes"}], 413)

    @bp.post("/requests/<rid>/media.json")
    def upload(rid: str) -> Response:
        role = store.writer_role(request.headers.get("Authorization"))  # any role that may write may upload
        request.max_content_length = MAX_MEDIA_BYTES + _FORM_OVERHEAD
        request.max_form_parts = 8
        part = request.files.get("media")
        if part is None:
            raise IncidentError(400, "multipart/form-data field 'media' (the file) is required")
        data = part.read()
        kind = request.form.get("kind") or "photo"
        filename = clean_filename(part.filename)
        content_type = part.mimetype or None  # without parameters; None when the part named no type
        check_upload(content_type, len(data), kind)
        assert content_type is not None
        # The same upload is the same path, fields and file (name, type, bytes): a retry matches, a new file not.
        fingerprint = hashlib.sha256(json.dumps(
            [request.method, request.path, sorted(request.form.items(multi=True)), filename, content_type,
             hashlib.sha256(data).hexdigest()], ensure_ascii=False).encode()).hexdigest()
        url_base = request.host_url.rstrip("/") + PREFIX + "/media/"

        def action() -> tuple[int, Any, dict[str, str]]:
            media = store.add_media(rid, filename=filename, content_type=content_type, kind=kind, data=data,
                                    url_base=url_base, author=role, key=request.headers.get("Idempotency-Key"))
            return 201, media, {"ETag": etag_of(store.get(rid))}

        status, body, headers = store.idempotent(request.headers.get("Idempotency-Key"), fingerprint, action)
        return _json(body, status, headers)

    @bp.get("/requests/<rid>/media.json")
    def list_media(rid: str) -> Response:
        store.get(rid)  # 404 for an unknown request
        return _json([m.to_json() for m in store.media.on_request(rid)])

    @bp.get("/media/<media_id>")
    def media_bytes(media_id: str) -> Response:
        stored = store.media.get(media_id)
        # Not conditional: make_conditional adds a Date header and the dev server sends its own beside it.
        resp = send_file(io.BytesIO(stored.data), mimetype=stored.content_type, download_name=stored.filename,
                         etag=stored.sha256, max_age=3600, conditional=False)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp

    return bp
