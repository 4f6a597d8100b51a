"""Services: the workflows (ingest, refresh, query, corrections, sync, eval, the web page's reads),
functions that take the ports they need."""
