"""A filter that needs no instructions: a list of checkboxes, with a search box when it is long.

Nothing ticked means all of it, and its heading says so ("Models · all 26"); ticking some says
how many ("2 of 26") and offers "clear". The search box narrows the list shown, never the
selection: ticked values stay in view. A very long list shows the first ``limit`` matches
and says how many more the search would reveal, so a page with thousands of workflows stays
light.

``value`` is a tuple of the ticked values (a traitlet: ``observe(..., names="value")`` works
as for any ipywidgets control), ``options`` every ``(label, value)`` pair and ``shown`` the
values in view.

>>> picker = CheckList("models", [("veo-3 ($12.00)", "veo-3"), ("flux ($1.00)", "flux")],
...                    title="Models", noun="models", search=True)
>>> picker.value, picker.heading.value.endswith("all 2</span>")
((), True)
>>> picker.boxes["flux"].value = True
>>> picker.value, picker.clear.layout.visibility
(('flux',), 'visible')
>>> picker.search.value = "VEO"
>>> picker.shown
['veo-3', 'flux']
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

import ipywidgets as widgets
import traitlets

from eachlabs_analytics.exceptions import InvalidQueryError

#: Checkboxes shown at most before the search must narrow the list.
LIMIT = 100


class CheckList(widgets.VBox):  # type: ignore[misc]
    """Checkboxes for the values of one filter (see the module docstring).

    Args:
        name: CSS name (the box gets the class ``ea-filter-<name>``).
        options: ``(label, value)`` pairs in the order to show them.
        title: the heading.
        noun: what the values are, plural (``"models"``), for the search box and the heading.
        search: show a search box (for lists longer than a glance).
        height: the most the list takes before it scrolls (CSS length).
        limit: checkboxes shown at most; the search reveals the rest.
        width: the list's width before it grows to share a row (CSS length).
        grow: share the row's spare width (a short list of short names need not).
    """

    value = traitlets.Tuple()

    def __init__(
        self,
        name: str,
        options: Sequence[tuple[str, str]],
        *,
        title: str,
        noun: str,
        search: bool = False,
        height: str = "156px",
        limit: int = LIMIT,
        width: str = "185px",
        grow: bool = True,
    ) -> None:
        self.options = [(str(label), str(value)) for label, value in options]
        self._labels = dict((value, label) for label, value in self.options)
        self.title, self.noun, self.limit = title, noun, int(limit)
        self.boxes: dict[str, widgets.Checkbox] = {}
        self._shown: list[str] = []
        self._syncing = False
        self.heading = widgets.HTML()
        self.heading.add_class("ea-checklist-head")
        self.clear = widgets.Button(
            description="clear",
            tooltip=f"Untick every {noun[:-1] if noun.endswith('s') else noun}: all of them",
            layout=widgets.Layout(width="auto", visibility="hidden"),
        )
        self.clear.add_class("ea-clear")
        self.clear.on_click(lambda _b: setattr(self, "value", ()))
        self.search = widgets.Text(
            placeholder=f"search {noun}",
            continuous_update=True,
            layout=widgets.Layout(width="auto", display=None if search else "none"),
        )
        self.search.observe(lambda _c: self._show(), names="value")
        self.more = widgets.HTML()
        self.more.add_class("ea-hint")
        self.items = widgets.VBox(layout=widgets.Layout(max_height=height, overflow="hidden auto"))
        self.items.add_class("ea-checklist-items")
        head = widgets.HBox(
            [self.heading, self.clear],
            layout=widgets.Layout(justify_content="space-between", align_items="center"),
        )
        super().__init__(
            [head, self.search, self.items, self.more],
            layout=widgets.Layout(
                flex=f"{int(grow)} 1 {width}", min_width="120px", margin="0 8px 8px 0"
            ),
        )
        self.add_class("ea-checklist")
        self.add_class(f"ea-filter-{name}")
        self.observe(self._on_value, names="value")
        self._show()
        self._say()

    @property
    def shown(self) -> list[str]:
        """The values whose checkboxes are in view (the search's matches and every ticked one)."""
        return list(self._shown)

    @traitlets.validate("value")
    def _check(self, proposal: dict[str, Any]) -> tuple[str, ...]:
        values = tuple(dict.fromkeys(str(v) for v in proposal["value"]))
        unknown = [v for v in values if v not in self._labels]
        if unknown:
            raise InvalidQueryError(
                f"unknown {self.noun[:-1]} {unknown[0]!r} for the {self.title} filter"
            )
        return values

    def _on_value(self, _change: dict[str, Any]) -> None:
        picked = set(self.value)
        self._syncing = True
        try:
            for value, box in self.boxes.items():
                box.value = value in picked
        finally:
            self._syncing = False
        self._show()
        self._say()

    def _on_box(self, value: str, ticked: bool) -> None:
        if self._syncing:
            return
        picked = set(self.value) | {value} if ticked else set(self.value) - {value}
        # in the list's order, so the selection reads like the list
        self.value = tuple(v for _, v in self.options if v in picked)

    def _box(self, value: str) -> widgets.Checkbox:
        box = self.boxes.get(value)
        if box is None:
            label = self._labels[value]
            box = widgets.Checkbox(
                value=value in self.value,
                description=label,
                tooltip=label,
                indent=False,
                layout=widgets.Layout(width="auto", margin="0"),
            )
            box.observe(lambda c, value=value: self._on_box(value, bool(c["new"])), "value")
            self.boxes[value] = box
        return box

    def _show(self) -> None:
        query = self.search.value.strip().casefold()
        picked = set(self.value)
        matches = [v for label, v in self.options if query in label.casefold()]
        shown = matches[: self.limit]
        kept = set(shown)
        shown += [v for _, v in self.options if v in picked and v not in kept]
        hidden = len(matches) - min(len(matches), self.limit)
        self._shown = _in_order(self.options, shown)
        self.items.children = [self._box(v) for v in self._shown]
        if hidden:
            self.more.value = f"{hidden:,} more: type to narrow the list"
        elif query and not matches:
            self.more.value = f"no {html.escape(self.noun)} match “{html.escape(query)}”"
        else:
            self.more.value = ""
        self.more.layout.display = None if self.more.value else "none"

    def _say(self) -> None:
        n = len(self.value)
        total = len(self.options)
        picked = f"all {total:,}" if n == 0 else f"{n:,} of {total:,}"
        self.heading.value = (
            f"{html.escape(self.title)} <span class='ea-picked'>· {html.escape(picked)}</span>"
        )
        self.clear.layout.visibility = "visible" if n else "hidden"


def _in_order(options: Iterable[tuple[str, str]], values: Iterable[str]) -> list[str]:
    wanted = set(values)
    return [v for _, v in options if v in wanted]
