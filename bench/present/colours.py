"""Each backend's colour and marker, the same in every plot and in the HTML report's swatches:
fixed for the known frameworks, derived from a CRC of the name for any other backend (so it
is the same from run to run)."""

from __future__ import annotations

import zlib
from collections.abc import Iterable

#: fixed colours for the seven known backends: the Okabe-Ito palette without its yellow (too
#: pale on white), seven colours that stay apart for the common colour-vision deficiencies
KNOWN_COLOURS = {
    "numpy": "#0072B2",        # blue
    "sklearn": "#009E73",      # bluish green
    "torch": "#E69F00",        # orange
    "keras": "#D55E00",        # vermillion
    "keras-torch": "#56B4E9",  # sky blue
    "keras-jax": "#000000",    # black
    "pybrain": "#CC79A7",      # reddish purple
}
#: colours for any other backend name, picked by CRC32 of the name (none of the known ones)
EXTRA_COLOURS = ("#8C564B", "#7F7F7F", "#E7298A", "#17BECF", "#9467BD", "#1F3A93", "#A50026",
                 "#4D9221", "#B8860B", "#5E3C99")
KNOWN_MARKERS = {"numpy": "o", "sklearn": "^", "torch": "s", "keras": "D", "keras-torch": "P",
                 "keras-jax": "X", "pybrain": "v"}
EXTRA_MARKERS = ("h", "<", ">", "*", "p", "d", "H", "8")


def backend_colour(name: str) -> str:
    """The backend's colour in every plot: fixed for known names, stable for any other."""
    if name in KNOWN_COLOURS:
        return KNOWN_COLOURS[name]
    return EXTRA_COLOURS[zlib.crc32(name.encode()) % len(EXTRA_COLOURS)]


def palette(names: Iterable[str]) -> dict[str, str]:
    """Colours for a set of backends: `backend_colour`, except that an unknown name whose colour
    is already taken moves to the next free one (in sorted-name order, so still stable)."""
    names = sorted(set(names))
    out = {n: KNOWN_COLOURS[n] for n in names if n in KNOWN_COLOURS}
    for name in (n for n in names if n not in KNOWN_COLOURS):
        start = zlib.crc32(name.encode()) % len(EXTRA_COLOURS)
        for step in range(len(EXTRA_COLOURS)):
            colour = EXTRA_COLOURS[(start + step) % len(EXTRA_COLOURS)]
            if colour not in out.values():
                break
        else:
            colour = EXTRA_COLOURS[start]
        out[name] = colour
    return out


def backend_marker(name: str) -> str:
    if name in KNOWN_MARKERS:
        return KNOWN_MARKERS[name]
    return EXTRA_MARKERS[zlib.crc32(name.encode()) % len(EXTRA_MARKERS)]

