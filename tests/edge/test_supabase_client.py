"""A Supabase app's own code, unchanged, against `drive-tagger serve`: supabase-py's
functions.invoke("embed") reaches the embed endpoint at the Edge Function path."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from drive_tagger.services.keys import create_key
from supabase import ClientOptions, create_client

DRIVE_TAGGER = Path(sys.executable).parent / "drive-tagger"


@pytest.fixture
def served(env, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [str(DRIVE_TAGGER), "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "serve.log").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    yield url
    server.terminate()
    server.wait(timeout=30)


def test_supabase_functions_invoke_embed_gets_the_models_vector(db, served, embedder):
    # The first call loads the model in the server (seconds); the functions client waits 5 s by default.
    client = create_client(served, create_key(db.access, workspace="acme"), ClientOptions(function_client_timeout=120))
    answer = client.functions.invoke("embed", invoke_options={"body": {"input": "Invoice for March"}})
    vector = np.array(json.loads(answer)["embedding"] if isinstance(answer, bytes | str) else answer["embedding"])
    # The server runs the default (bfloat16) backend; its vectors agree with torch's float32 ones.
    assert vector.shape == (384,) and float(vector @ embedder.embed(["Invoice for March"])[0]) > 0.9999


def test_an_unknown_key_is_refused_through_the_supabase_client(db, served):
    from supabase_functions.errors import FunctionsHttpError

    client = create_client(served, "dt_not-a-key")
    with pytest.raises(FunctionsHttpError):
        client.functions.invoke("embed", invoke_options={"body": {"input": "x"}})
