"""The application layer: where the analytics meet the outside world for the faces.

Owns :mod:`.sources` (the executions a report or check reads: the API, a store or a file,
with the period to compare with and the history a forecast learns from), :mod:`.alerts`
(webhook delivery and the sent-alerts file of ``check``), :mod:`.reference` (the balance,
list prices and workflow names beside the executions, from the API or a store),
:mod:`.runway` (``ea.runway``: the watch's runway with the balance read from the API) and
:mod:`.demo` (the bundled sample, through the sandbox and the loader, into a report). The
CLI and the notebooks use it.

Must never import: the CLI. Nothing below it (loader, metrics, watch, report, engines, store,
sandbox) imports it.
"""
