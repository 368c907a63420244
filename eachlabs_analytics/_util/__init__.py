"""Small helpers shared across the package, one home each.

- ``timestamps``: the one RFC 3339 reader and writer (ASCII digits only);
- ``windows``: ``--last``/``--month``/dates, previous periods, the rows of a window;
- ``csv_safe``: the one CSV writer (records intact, no cell starts a formula);
- ``files``: atomic writes (a crash never leaves half a file);
- ``keys``: recognising and redacting API keys; the loopback-host rule;
- ``formats``: money, percent, seconds and counts for people (report, Explorer, CLI);
- ``typed``: repeats, present values and categorical casts of big columns, without Python
  objects (the store's load and sync, the report's two periods).

Must never import any other part of the package than :mod:`eachlabs_analytics.schema` and
:mod:`eachlabs_analytics.exceptions`: everything may use these helpers.
"""
