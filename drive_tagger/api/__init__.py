"""The HTTP API (FastAPI): `create_app(settings)` builds it; `drive-tagger serve` runs it."""
