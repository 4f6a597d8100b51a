"""The notebooks run headless, top to bottom, against this test's database; and are stored clean."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))


def execute(name: str, env: dict) -> nbformat.NotebookNode:
    """Runs every cell in a fresh kernel of this interpreter; a cell that raises fails the run."""
    notebook = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
    client = NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}
    )
    client.execute(env={**os.environ, **env})
    return notebook


def outputs_of(notebook) -> str:
    return "\n".join(str(output) for cell in notebook.cells for output in cell.get("outputs", []))


def test_both_notebooks_are_there():
    assert NOTEBOOKS == ["explore_clusters.ipynb", "tune_clustering.ipynb"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebook_has_no_outputs(name):
    notebook = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source


def test_explore_notebook_maps_the_sample_drive_it_ingests(env):
    notebook = execute("explore_clusters.ipynb", env)
    shown = outputs_of(notebook)
    assert "ingested 75 documents" in shown and "application/vnd.plotly.v1+json" in shown


def test_tune_notebook_scores_every_setting(env):
    from drive_tagger.services.tuning import default_tuning_grid

    shown = outputs_of(execute("tune_clustering.ipynb", env))
    assert all(label in shown for label in default_tuning_grid()) and "nmi" in shown
