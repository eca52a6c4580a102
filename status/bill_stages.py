"""The stage of a bill, from the providers' action vocabularies, in one small vocabulary.

introduced -> passed-one-chamber -> passed-both -> became-law, or vetoed / failed.
Open States classifies each action (OCD vocabulary: `passage`, `executive-signature`,
`became-law`, `executive-veto`, `failure`, ...); LegiScan gives a status code. A bill
that became law is still only evidence: it leads to a proposal, never to a status.
"""

from __future__ import annotations

STAGES = ("introduced", "passed-one-chamber", "passed-both", "became-law", "vetoed", "failed")
LEGISCAN_STATUS = {
    1: "introduced",
    2: "passed-one-chamber",  # engrossed
    3: "passed-both",  # enrolled
    4: "became-law",  # passed
    5: "vetoed",
    6: "failed",
}
BECAME_LAW = {"became-law", "executive-signature"}
FAILED = {"failure", "committee-failure", "withdrawal"}


def stage_from_actions(actions: list[dict]) -> str:
    """Open States actions (each with `classification` and `organization`) -> a stage.

    The latest decisive action wins: a veto overridden later became law; passages are
    counted per chamber.
    """
    stage, chambers = "introduced", set()
    for action in sorted(actions, key=lambda a: (a.get("date") or "", a.get("order") or 0)):
        kinds = set(action.get("classification") or [])
        if kinds & BECAME_LAW or "veto-override-passage" in kinds:
            stage = "became-law"
        elif "executive-veto" in kinds:
            stage = "vetoed"
        elif kinds & FAILED and stage not in ("became-law",):
            stage = "failed"
        elif "passage" in kinds:
            chambers.add(_chamber(action))
            stage = "passed-both" if len(chambers) >= 2 else "passed-one-chamber"
    return stage


def _chamber(action: dict) -> str:
    organization = action.get("organization") or {}
    if isinstance(organization, dict):
        return organization.get("classification") or organization.get("name") or "?"
    return str(organization)


def stage_from_legiscan(status: object) -> str:
    try:
        return LEGISCAN_STATUS.get(int(status), "introduced")
    except (TypeError, ValueError):
        return "introduced"
