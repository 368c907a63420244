"""Colour-blind-safe colours for the charts: Okabe-Ito for series, Paul Tol's "muted" for classes.

Both palettes stay distinguishable for the common colour-vision deficiencies. Beyond eight
series, colours repeat with a hatch so every series still looks different.

>>> series_style(0), series_style(8)
(('#E69F00', ''), ('#E69F00', '//'))
>>> error_class_color("content_moderation"), error_class_color("unknown")
('#CC6677', '#DDDDDD')
"""

from __future__ import annotations

from eachlabs_analytics import schema

#: Okabe & Ito (2008), in their order (the last is black).
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#000000",  # black
)
#: Paul Tol's "muted" scheme: nine colours and a pale grey, one per error class.
TOL_MUTED: tuple[str, ...] = (
    "#CC6677",  # rose
    "#332288",  # indigo
    "#DDCC77",  # sand
    "#117733",  # green
    "#88CCEE",  # cyan
    "#882255",  # wine
    "#44AA99",  # teal
    "#999933",  # olive
    "#AA4499",  # purple
    "#DDDDDD",  # pale grey
)
HATCHES: tuple[str, ...] = ("", "//", "..", "xx", "\\\\")

#: The folded "other" series and anything without a colour of its own.
OTHER_COLOR = "#999999"
#: Spend that bought a result, and spend on failed executions.
SPEND_COLOR = OKABE_ITO[4]
FAILED_COLOR = OKABE_ITO[5]
#: Queue time and execution time.
QUEUE_COLOR = OKABE_ITO[0]
EXECUTION_COLOR = OKABE_ITO[4]
#: Failed rows whose error class is unknown: white, hatched, outlined.
UNCLASSIFIED_STYLE: dict[str, str] = {"color": "white", "hatch": "//", "edgecolor": "#555555"}


def series_style(i: int) -> tuple[str, str]:
    """(colour, hatch) of the ``i``-th series: Okabe-Ito, hatched once the colours run out."""
    return OKABE_ITO[i % len(OKABE_ITO)], HATCHES[(i // len(OKABE_ITO)) % len(HATCHES)]


#: Okabe-Ito without yellow, which is too faint for thin lines on white.
LINE_COLORS: tuple[str, ...] = tuple(c for c in OKABE_ITO if c != "#F0E442")
LINE_STYLES: tuple[str, ...] = ("-", "--", ":", "-.")


def line_style(i: int) -> tuple[str, str]:
    """(colour, linestyle) of the ``i``-th line: dashed once the colours run out.

    >>> line_style(0), line_style(7)
    (('#E69F00', '-'), ('#E69F00', '--'))
    """
    n = len(LINE_COLORS)
    return LINE_COLORS[i % n], LINE_STYLES[(i // n) % len(LINE_STYLES)]


def error_class_color(name: str) -> str:
    """The fixed colour of an error class (same class, same colour, in every chart)."""
    if name in schema.ERROR_CLASSES:
        return TOL_MUTED[schema.ERROR_CLASSES.index(name) % len(TOL_MUTED)]
    return OTHER_COLOR
