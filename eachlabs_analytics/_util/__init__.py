"""Small helpers shared across the package, one home each.

``csv_safe``: CSV text that spreadsheets and ``csv`` readers parse into exactly the intended
records, with formula-looking cells neutralised (OWASP).

Imports nothing of the package but :mod:`eachlabs_analytics.schema` and
:mod:`eachlabs_analytics.exceptions`.
"""
