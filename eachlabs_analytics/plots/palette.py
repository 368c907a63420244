"""Colour-blind-safe colours for the charts: Okabe-Ito for series, a searched set for classes.

Okabe-Ito stays distinguishable for the common colour-vision deficiencies; beyond eight
series, colours repeat with a hatch so every series still looks different. The ten error
classes need ten colours at once (stacked bars): :data:`ERROR_CLASS_COLORS` was chosen by a
search that maximises the smallest CIELAB distance between any two of them under normal vision
and under simulated deuteranopia, protanopia and tritanopia (Machado et al. 2009, full
severity): at least 27 (Paul Tol's "muted", used before, fell to 16 between rose and teal).
``tests/test_plots.py`` checks the distances.

>>> series_style(0), series_style(8)
(('#E69F00', ''), ('#E69F00', '//'))
>>> error_class_color("execution_timeout"), error_class_color("not-a-class")
('#EE5522', '#999999')
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
#: One colour per error class, in ``schema.ERROR_CLASSES`` order (see the module docstring).
ERROR_CLASS_COLORS: tuple[str, ...] = (
    "#BB55AA",  # content_moderation: magenta
    "#EE5522",  # execution_timeout: orange red
    "#CCDD00",  # invalid_user_input: yellow green
    "#998877",  # invalid_model_config: taupe
    "#553344",  # provider_auth: plum
    "#772211",  # provider_error: brown
    "#4477FF",  # provider_rate_limit: blue
    "#1100CC",  # provider_unavailable: deep blue
    "#44DD77",  # internal_error: green
    "#FFBBCC",  # unknown: pink
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
        return ERROR_CLASS_COLORS[schema.ERROR_CLASSES.index(name) % len(ERROR_CLASS_COLORS)]
    return OTHER_COLOR
