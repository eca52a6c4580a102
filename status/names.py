"""Normalising names for lookup, kept apart so the fast `kratom status` path stays small."""

import re
import unicodedata


def normalise(name: str) -> str:
    """The lookup key of a name: case-folded ASCII words, punctuation dropped.

    "Washington, D.C." -> "washington dc"; "Côte d'Ivoire" -> "cote divoire".
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = ascii_name.replace(".", "").replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_name.casefold()).split())
