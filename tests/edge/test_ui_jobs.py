"""The page and a server without a worker of its own (DRIVE_TAGGER_SERVE_WORKER=false, for
deployments whose workers run apart): a refresh queued elsewhere is picked up when the page opens
and followed, stage by stage, to its end once a worker runs it. A module of its own, so no
server with a worker shares its database."""

from __future__ import annotations

import httpx
import pytest

from tests.browser import Page, Served
from tests.workers import WorkerProcess

pytestmark = pytest.mark.xdist_group("browser")

MODEL_WAIT = 240  # the worker loads the model for its first refresh


@pytest.fixture(scope="module")
def site_without_worker(site_env, tmp_path_factory):
    served = Served({**site_env, "DRIVE_TAGGER_SERVE_WORKER": "false"}, tmp_path_factory.mktemp("serve") / "serve.log")
    yield served.url
    served.stop()


def test_without_the_servers_worker_a_reload_picks_a_queued_refresh_up_and_follows_it_to_the_end(
    browser, site_without_worker, drive, site_env, tmp_path
):
    page = Page(browser, site_without_worker, tmp_path)
    queued = httpx.post(
        f"{site_without_worker}/v1/workspaces/{drive.slug}/refresh", headers={"Authorization": f"Bearer {drive.key}"}
    ).json()
    page.open_with(drive.key)
    page.wait_until(lambda: f"job {queued['job_id']}" in page.wait_for("#status").text)
    assert "waiting for a worker" in page.wait_for("#status").text
    assert page.wait_for("#refresh").get_attribute("disabled") is not None
    worker = WorkerProcess(site_env, tmp_path / "worker.log")
    try:
        page.wait_until(lambda: "Refreshed" in page.wait_for("#status").text, timeout=MODEL_WAIT)
    finally:
        worker.stop()
    page.wait_for("#pane-changes .pane-head")
    assert page.wait_for("#refresh").get_attribute("disabled") is None
