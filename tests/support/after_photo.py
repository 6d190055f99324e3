"""An after-photo uploaded to a simulator request over its media extension: resolving needs one (services.workflow
.check_evidence), so tests that walk a request to "resolved" over raw HTTP upload it first, as the console does."""

from __future__ import annotations

import io

import requests
from PIL import Image


def png(colour: str = "green") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="PNG")
    return out.getvalue()


def upload_after_photo(open311_base: str, rid: str, token: str) -> str:
    """POST a small PNG as the request's after-photo; returns the request's new ETag."""
    resp = requests.post(f"{open311_base}/requests/{rid}/media.json", data={"kind": "after_photo"},
                         files={"media": ("after.png", png(), "image/png")},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert resp.status_code == 201, resp.text
    return resp.headers["ETag"]
