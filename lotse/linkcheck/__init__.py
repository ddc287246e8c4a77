"""Nightly link check: every URL in the data, politely, with memory across runs.

``collect`` finds the URLs and where they are used, ``checker`` asks the web
(HTTP only, no data/ knowledge), ``history`` remembers earlier runs so a link
is ``broken`` only after failing several nights in a row, ``report`` writes
report.json and the German report.md, ``revision`` reads the URLs the data had
at an earlier git revision (pull requests check only new ones), ``cli`` ties
them into ``lotse linkcheck``.
"""
