"""Where the shipped data files and site templates are, installed or in a checkout.

A wheel carries `data/` and `site/` inside the `status` package as `status/_data` and
`status/_site` (see pyproject.toml); an editable install or a plain checkout reads the
top-level folders directly.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _resource(installed: str, checkout: str) -> Path:
    inside = _PACKAGE / installed
    return inside if inside.is_dir() else _PACKAGE.parent / checkout


def data_dir() -> Path:
    """The folder of curated data: records, local jurisdictions, regions, sources."""
    return _resource("_data", "data")


def site_dir() -> Path:
    """The folder of the site's source: templates, CSS/JS and map geometry."""
    return _resource("_site", "site")
