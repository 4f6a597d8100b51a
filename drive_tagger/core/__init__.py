"""Pure core: numpy arrays and frozen dataclasses in, results out; no database, network or files."""
