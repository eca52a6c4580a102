"""kratom-status: the domain of the kratom legal-status tracker.

Everything that decides what a page or a record means, and every write to the
database, lives in this package. The CLI (`cli.py`) and the spiders only call it.
Modules are imported lazily by the CLI so that `kratom status` stays fast.
"""

__version__ = "0.1.0"
