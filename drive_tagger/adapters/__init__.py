"""Adapters: one module per outside thing (Postgres, models, OpenAI, files, the queue), each behind
a port of core/ports.py."""
