"""drive_tagger: keeps a cloud drive sorted by itself (embed, cluster, name, query)."""

__version__ = "0.1.0"
