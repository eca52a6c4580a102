"""The closed vocabularies of the tracker and the one rule that derives a headline status.

Kept in one small module with no imports so that every layer (store, curated data,
classifier, CLI) agrees on the words and the fast `kratom status` path can use them.
"""

STATUSES = ("banned", "restricted", "legal", "unknown")
INSTRUMENTS = (
    "statute",
    "regulation",
    "emergency-rule",
    "agency-enforcement",
    "ordinance",
    "none",
)
CONFIDENCE_LEVELS = ("high", "medium", "low")
METHODS = ("curated", "detected", "reviewed")
PRECISIONS = ("day", "month", "year", "unknown")
SUBSTANCES = ("leaf", "mitragynine", "7-hydroxymitragynine", "synthetic", "concentrates")
# Typed conditions a record may carry; the value type is what `kratom data validate` checks.
CONDITIONS = {
    "min_age": int,
    "licensing": bool,
    "labelling": bool,
    "registration": bool,
    "alkaloid_cap": str,
    "prescription_only": bool,
    "possession_offence": bool,
}


def derive_status(leaf: str, seven_oh: str) -> str:
    """The headline status from the leaf's and 7-OH's statuses.

    The leaf decides when it is banned or restricted; a 7-OH rule alone makes a
    jurisdiction `restricted` (Florida, Ohio since 2025), never `banned`.
    """
    if leaf in ("banned", "restricted"):
        return leaf
    if seven_oh in ("banned", "restricted"):
        return "restricted"
    return leaf
