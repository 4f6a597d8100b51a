"""Cluster maps: the figure from a workspace, and `drive-tagger map` writing it as HTML."""

import pytest
from typer.testing import CliRunner

from drive_tagger.cli import app
from drive_tagger.errors import InvalidInput
from drive_tagger.services.frames import filters_frame
from drive_tagger.services.maps import workspace_map, write_figure


def top_level_names(db, workspace):
    filters = filters_frame(db.refreshes, workspace)
    return set(filters.loc[filters["parent_category_id"].isna(), "name"])


def test_map_has_a_trace_per_top_level_filter_and_names_on_the_map(db, refreshed):
    figure = workspace_map(db.documents, db.refreshes, refreshed)
    names = top_level_names(db, refreshed)
    assert names <= {trace.name for trace in figure.data}
    assert {a.text.removeprefix("<b>").removesuffix("</b>") for a in figure.layout.annotations} == names
    assert sum(len(trace.x) for trace in figure.data) == 75


def test_map_hover_shows_title_and_filter(db, refreshed):
    trace = workspace_map(db.documents, db.refreshes, refreshed).data[0]
    assert "filter: %{customdata[0]}" in trace.hovertemplate and all(trace.text)


def test_map_is_written_only_as_html(db, refreshed, tmp_path):
    with pytest.raises(InvalidInput, match=r"only \.html"):
        write_figure(workspace_map(db.documents, db.refreshes, refreshed), tmp_path / "map.png")


def test_map_command_writes_html_naming_every_top_level_filter(db, refreshed, env, tmp_path):
    out = tmp_path / "maps" / "samples.html"
    result = CliRunner().invoke(app, ["map", "--workspace", refreshed, "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert all(name in html for name in top_level_names(db, refreshed))


def test_map_command_for_an_unknown_workspace_is_one_clear_error(env, tmp_path):
    result = CliRunner().invoke(app, ["map", "--workspace", "ghost", "--out", str(tmp_path / "m.html")])
    assert result.exit_code == 1 and result.stderr.startswith("error: unknown workspace 'ghost'")
