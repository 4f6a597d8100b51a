"""Plotly figures of a workspace: the 2-D document map coloured by filter, filter sizes, tuning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from drive_tagger.core.ports import DocumentStore, RefreshStore
from drive_tagger.core.projection import label_positions
from drive_tagger.errors import InvalidInput
from drive_tagger.services.frames import UNTAGGED, documents_frame, filters_frame

UNTAGGED_COLOUR = "#b0b0b0"


def cluster_map_figure(documents: pd.DataFrame, title: str = "") -> go.Figure:
    """Documents (a documents_frame) as points coloured by filter, each filter's name printed at
    its members' median point; hovering shows a document's title and filter."""
    placed = documents.dropna(subset=["x", "y"])
    figure = go.Figure()
    tagged = placed[placed["category_id"].notna()]
    palette = qualitative.Dark24 + qualitative.Light24
    groups = tagged.groupby("category_id", sort=True)
    for i, (_, members) in enumerate(groups):
        figure.add_trace(_points(members, members["filter"].iloc[0], palette[i % len(palette)]))
    untagged = placed[placed["category_id"].isna()]
    if len(untagged):
        figure.add_trace(_points(untagged, UNTAGGED, UNTAGGED_COLOUR))
    positions = (
        label_positions(tagged[["x", "y"]].to_numpy(), tagged["category_id"].to_numpy(dtype=np.int64))
        if len(tagged)
        else {}
    )
    names = tagged.drop_duplicates("category_id").set_index("category_id")["filter"]
    for category_id, (x, y) in positions.items():
        figure.add_annotation(
            x=x,
            y=y,
            text=f"<b>{names[category_id]}</b>",
            showarrow=False,
            bgcolor="rgba(255,255,255,0.75)",
            font={"size": 12},
        )
    figure.update_layout(
        title=title or "Documents by filter",
        template="plotly_white",
        legend_title_text="filter",
        xaxis={"title": "PC 1", "zeroline": False},
        yaxis={"title": "PC 2", "zeroline": False},
        height=650,
    )
    return figure


def _points(members: pd.DataFrame, name: str, colour: str) -> go.Scatter:
    scores = members["score"].map(lambda s: "" if pd.isna(s) else f"<br>score {s:.2f}")
    return go.Scatter(
        x=members["x"],
        y=members["y"],
        mode="markers",
        name=name,
        marker={"color": colour, "size": 8, "line": {"width": 0.5, "color": "white"}},
        text=members["title"].where(members["title"] != "", members["external_id"]),
        customdata=np.stack([members["filter"], scores], axis=1),
        hovertemplate="%{text}<br>filter: %{customdata[0]}%{customdata[1]}<extra></extra>",
    )


def filter_sizes_figure(filters: pd.DataFrame) -> go.Figure:
    """Documents per top-level filter (a filters_frame), largest at the top."""
    ordered = filters[filters["parent_category_id"].isna()].sort_values("documents")
    figure = go.Figure(
        go.Bar(
            x=ordered["documents"],
            y=ordered["name"],
            orientation="h",
            hovertext=ordered["keywords"].map(lambda k: ", ".join(k[:6])),
        )
    )
    figure.update_layout(
        title="Documents per filter",
        template="plotly_white",
        xaxis_title="documents",
        height=max(300, 28 * len(ordered) + 120),
    )
    return figure


def tuning_figure(results: pd.DataFrame) -> go.Figure:
    """NMI, ARI, the untagged share and stability per setting (a tuning frame, one row per setting)."""
    figure = go.Figure()
    for metric in ("nmi", "ari", "untagged", "stability"):
        figure.add_trace(go.Scatter(x=results["setting"], y=results[metric], mode="lines+markers", name=metric))
    figure.update_layout(
        title="Clustering settings against the labels",
        template="plotly_white",
        xaxis_title="setting",
        yaxis={"title": "score / share", "range": [-0.05, 1.05]},
    )
    return figure


def workspace_map(documents: DocumentStore, refreshes: RefreshStore, workspace_slug: str) -> go.Figure:
    """The workspace's document map, titled with its filter and document counts."""
    frame = documents_frame(documents, refreshes, workspace_slug)
    filters = filters_frame(refreshes, workspace_slug)
    untagged = int(frame["category_id"].isna().sum())
    top = int(filters["parent_category_id"].isna().sum())
    title = f"{workspace_slug}: {len(frame)} documents, {top} filters, {untagged} untagged"
    return cluster_map_figure(frame, title)


def write_figure(figure: go.Figure, path: Path) -> Path:
    """Writes a standalone HTML file (plotly.js inlined, so it opens offline)."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise InvalidInput(f"{path}: only .html maps are written (open it in a browser to save a PNG)")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.write_html(path, include_plotlyjs=True, full_html=True)
    return path
