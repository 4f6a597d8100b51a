"""`drive-tagger serve` logs a line per request only when asked to (--access-log), as gunicorn does:
under load those lines cost the server about a tenth of its time."""

from __future__ import annotations

import httpx
import pytest

from tests.browser import Served


@pytest.mark.parametrize(("options", "logged"), [((), False), (("--access-log",), True)], ids=["default", "asked"])
def test_requests_are_logged_only_with_access_log(database_url, tmp_path, options, logged):
    env = {
        "DRIVE_TAGGER_DATABASE_URL": database_url,
        "DRIVE_TAGGER_DATA_DIR": str(tmp_path / "data"),
        "DRIVE_TAGGER_SERVE_WORKER": "false",
        "DRIVE_TAGGER_API_WARM_MODEL": "false",
    }
    log = tmp_path / "serve.log"
    served = Served(env, log, "--workers", "1", *options)
    try:
        assert httpx.get(f"{served.url}/v1/workspaces", timeout=10).status_code == 401
    finally:
        served.stop()
    assert ('"GET /v1/workspaces HTTP/1.1" 401' in log.read_text()) is logged
