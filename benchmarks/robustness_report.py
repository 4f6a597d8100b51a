"""The robustness benchmark's report (issue #27): one table per collection (filters, NMI, best-match
F1, untagged, stability, junk names, name fidelity, beside the oracle and the peers) and the
targets each collection and size passes or fails."""

from __future__ import annotations

import statistics

TARGET_SIZE = 150  # targets are checked from this size up
STABLE_FROM = 500  # stability >= 0.95 from this size up
WHOLE = "whole"  # the size label of a whole collection


def _values(runs, who: str, key: str) -> list[float]:
    return [r[who][key] for r in runs if who in r and r[who].get(key) is not None]


def _med(values) -> float | None:
    return statistics.median(values) if values else None


def _f(value, spec=".2f", width=5) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:{width}{spec}}"


def _sizes_of(runs) -> list:
    seen = []
    for r in runs:
        if r["size"] not in seen:
            seen.append(r["size"])
    return seen


def table(name: str, kinds: int, documents: int, runs: list[dict], others: list[str]) -> str:
    peers = [p for p in others if p != "oracle"]
    head = (
        f"{'size':>6} {'runs':>4} | {'filters':>11} | {'NMI min/med/max':>17} | {'oracle':>6} "
        + " ".join(f"{p[:8]:>8}" for p in peers)
        + f" | {'F1 ours/oracle':>14} | {'untag':>5} {'stab':>5} {'junk':>4} | {'fidelity name/kw':>16} | {'s/run':>5}"
    )
    lines = [f"\n{name}: {documents:,} documents, {kinds} kinds", head, "-" * len(head)]
    for size in _sizes_of(runs):
        group = [r for r in runs if r["size"] == size]
        filters = _values(group, "ours", "filters")
        nmi = _values(group, "ours", "nmi")
        label = f"{group[0]['documents']}" if size == WHOLE else str(size)
        lines.append(
            f"{label + ('*' if size == WHOLE else ''):>6} {len(group):>4} | "
            f"{min(filters):>3}/{_med(filters):>3g}/{max(filters):>3} | "
            f"{min(nmi):.3f}/{_med(nmi):.3f}/{max(nmi):.3f} | "
            f"{_f(_med(_values(group, 'oracle', 'nmi')), '.3f', 6)} "
            + " ".join(_f(_med(_values(group, p, "nmi")), ".3f", 8) for p in peers)
            + f" | {_f(_med(_values(group, 'ours', 'best_f1')), '.3f', 6)} / "
            f"{_f(_med(_values(group, 'oracle', 'best_f1')), '.3f', 6)} | "
            f"{_f(_med(_values(group, 'ours', 'untagged')), '.1%', 5)} "
            f"{_f(_med(_values(group, 'ours', 'stability')), '.2f', 5)} "
            f"{sum(_values(group, 'ours', 'junk_names')):>4} | "
            f"{_f(_med(_values(group, 'ours', 'fidelity_names')), '.2f', 7)} / "
            f"{_f(_med(_values(group, 'ours', 'fidelity_keywords')), '.2f', 6)} | "
            f"{_f(_med(_values(group, 'ours', 'seconds')), '.1f', 5)}"
        )
    for peer in others:
        failed = [r for r in runs if "error" in r.get(peer, {})]
        if failed:
            where = ", ".join(sorted({str(r["size"]) for r in failed}))
            lines.append(
                f"  {peer} failed on {len(failed)} of {len(runs)} runs (sizes {where}; its medians are of the "
                f"others), e.g.: {failed[0][peer]['error']}"
            )
    return "\n".join(lines)


TARGETS = {
    "nmi": "median NMI >= best peer's median and >= oracle median - 0.05",
    "coarse": "no run with <= 2 top-level filters (collections of >= 4 kinds)",
    "spread": "max top-level filters <= 2 x min over seeds",
    "f1": "median best-match F1 >= oracle's",
    "stable": f"median stability >= 0.95 (from {STABLE_FROM} documents up)",
    "junk": "0 junk names",
    "names": "median name fidelity >= top keywords' and >= 0.75",
}


def targets(runs: list[dict], kinds: int, peers: list[str]) -> dict[str, bool | None]:
    """PASS (True) / FAIL (False) / not applicable (None) per target for one size's runs."""
    nmi = _med(_values(runs, "ours", "nmi"))
    oracle = _med(_values(runs, "oracle", "nmi"))
    peer_medians = [m for p in peers if (m := _med(_values(runs, p, "nmi"))) is not None]
    filters = _values(runs, "ours", "filters")
    names, words = _med(_values(runs, "ours", "fidelity_names")), _med(_values(runs, "ours", "fidelity_keywords"))
    oracle_f1 = _med(_values(runs, "oracle", "best_f1"))
    return {
        "nmi": None
        if oracle is None and not peer_medians
        else (nmi >= max(peer_medians, default=-1) and (oracle is None or nmi >= oracle - 0.05)),
        "coarse": min(filters) > 2 if kinds >= 4 else None,
        "spread": max(filters) <= 2 * min(filters),
        "f1": None if oracle_f1 is None else _med(_values(runs, "ours", "best_f1")) >= oracle_f1,
        "stable": _med(_values(runs, "ours", "stability")) >= 0.95 if runs[0]["documents"] >= STABLE_FROM else None,
        "junk": sum(_values(runs, "ours", "junk_names")) == 0,
        "names": None if names is None else (names >= (words or 0) and names >= 0.75),
    }


def summary(results: dict, peers: list[str]) -> str:
    head = f"{'collection':>10} {'size':>6} | " + " ".join(f"{k:>6}" for k in TARGETS)
    lines = ["\nTargets (PASS/FAIL; '-': not applicable), per collection and size >= 150:"]
    lines += [f"  {k}: {v}" for k, v in TARGETS.items()]
    lines += [head, "-" * len(head)]
    for name, (kinds, runs) in results.items():
        for size in _sizes_of(runs):
            group = [r for r in runs if r["size"] == size]
            if group[0]["documents"] < TARGET_SIZE:
                continue
            marks = targets(group, kinds, peers)
            cells = " ".join(f"{'-' if v is None else ('PASS' if v else 'FAIL'):>6}" for v in marks.values())
            lines.append(f"{name:>10} {group[0]['documents'] if size == WHOLE else size:>6} | {cells}")
    return "\n".join(lines)
