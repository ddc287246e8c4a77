"""The directory website: MkDocs Material fed with pages generated from the data.

Flow: ``lotse build`` validates data/ (:mod:`lotse.validator`), then runs
MkDocs with the repository's ``mkdocs.yml``. Its hooks (:mod:`lotse.site.hooks`)
build a :class:`~lotse.site.context.SiteContext` from the loaded data and add
every file the providers in :mod:`lotse.site.providers` generate. Hand-written
pages live in ``docs/`` and may use the macros in ``macros/main.py``.
"""
