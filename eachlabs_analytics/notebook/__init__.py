"""Notebooks: the ``df.eachlabs`` accessor, the interactive Explorer and the Voila dashboard.

Owns :mod:`.accessor` (helpers and charts as DataFrame methods), :mod:`.explorer` (the
widget Explorer), :mod:`.filters` (its filter logic, pure pandas, testable without a kernel),
:mod:`.checklist` (its checkbox-list filter widget), :mod:`.panes` and :mod:`.style` (what
its tabs show as HTML, and its look: the report's cards and tables), :mod:`.drilldown` (the
executions behind a number), :mod:`.tables` (``format_table``) and :mod:`.dashboard`
(serving the Explorer notebook with Voila).

Must never import: the cli. Widgets are imported only when an Explorer is built.
"""
