"""Import from a Plone/Volto site export (``lotse import plone``): one source, one entry point.

``reader`` reads both export forms, ``blocks`` turns Volto blocks and slate into Markdown,
``importer`` plans, converts, writes (atomically, never over an editor's change) and reports.
The redirect table itself is built in the core (:mod:`lotse.redirects`) from what this writes.
"""

from .importer import ImportProblem, report, run

__all__ = ["ImportProblem", "report", "run"]
