"""Notebooks: the ``df.eachlabs`` accessor, the interactive Explorer and the Voila dashboard.

Owns what a notebook shows, one module a job:

- :mod:`.accessor`: the analytics helpers and charts as DataFrame methods (``df.eachlabs``);
- :mod:`.explorer`: the Explorer's wiring (``explore``, ``Explorer``): controls connected to
  its state, the debounced re-render with its busy indicator, ``snapshot()``;
- :mod:`.state`: the Explorer without widgets: the data, the selection and its caches, the
  figures each pane shows (importable and testable without ipywidgets);
- :mod:`.controls`: every widget of the Explorer, built and laid out, nothing connected;
- :mod:`.account`: the Explorer against the account: the Balance card and its runway, the
  price check's table, workflow names (checked once, then shown);
- :mod:`.panes`: each tab rendered from the state (tables as HTML, charts as PNG) and the
  tables it keeps (``Explorer.tables``);
- :mod:`.filters`: the filter logic (``Filters``, quick ranges), pure pandas;
- :mod:`.checklist`: the checkbox-list filter widget;
- :mod:`.style`: the Explorer's look (the report's cards and tables);
- :mod:`.drilldown`: the executions behind a number (search, pages, CSV);
- :mod:`.tables`: ``format_table``, the one table formatter of every face;
- :mod:`.dashboard`: serving the Explorer notebook with Voila.

Must never import: the cli. Widgets (ipywidgets) are imported only when an Explorer is built:
by :mod:`.explorer`, :mod:`.controls` and :mod:`.checklist`, never by :mod:`.state`,
:mod:`.panes`, :mod:`.account` or :mod:`.filters`.
"""
