"""The one look of every report figure: seaborn's theme, set here on import (every
plotting module imports this one to save its figures, so none draws without it),
the one colour per optimizer (the paper's), and saving (headless, atomic, one
resolution)."""

from __future__ import annotations

import os
import re

import matplotlib

matplotlib.use("Agg")  # headless: jobs run without a display

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from sgd_support.core.atomic import atomic_path  # noqa: E402

DPI = 110  # sharp in the HTML report, a few hundred kB per figure
# Heatmaps and image panels switch the grid off on their axes (ax.grid(False)).
sns.set_theme(context="notebook", style="whitegrid", font_scale=0.95)

# The paper's colour per optimizer (Fig. 3, 11, 14: matplotlib's named colours).
GD_COLOUR = "red"
GD_WD_COLOUR = "brown"
PAPER_BATCH_COLOURS = {512: "orange", 128: "blue", 32: "green", 1: "purple"}
# SGD batch sizes the paper does not use: fixed colours, none close to the six above,
# so a batch size has the same colour in every figure of every config.
OTHER_BATCH_COLOURS = {
    8: "deeppink",
    2048: "darkturquoise",
    256: "olive",
    64: "dimgrey",
    16: "gold",
    2: "navy",
    4: "darkkhaki",
    1024: "black",
}
# Batch sizes in neither table, in increasing order of size, take these in turn.
SPARE_COLOURS = ("lightseagreen", "hotpink", "tan", "slateblue", "yellowgreen", "rosybrown")
PAPER_COLOURS = {
    "GD": GD_COLOUR,
    **{f"SGD-{b}": c for b, c in PAPER_BATCH_COLOURS.items()},
    "GD+wd": GD_WD_COLOUR,
}
# The variants the paper does not draw: a weight-decay SGD run is its batch size's colour
# darkened; the toy model's shuffled SGD its (in-order) colour lightened.
WD_SHADE, SHUFFLED_TINT = 0.45, 0.45
_SGD = re.compile(r"SGD(?P<wd1>\+wd)?(?:-| b=)(?P<batch>\d+)(?P<rest>.*)")


def batch_colour(batch: int, spare_rank: int = 0) -> str:
    """The colour of plain SGD with batch size ``batch``: the paper's for its four,
    else a fixed one, else the ``spare_rank``-th spare colour."""
    batch = int(batch)
    if batch in PAPER_BATCH_COLOURS:
        return PAPER_BATCH_COLOURS[batch]
    if batch in OTHER_BATCH_COLOURS:
        return OTHER_BATCH_COLOURS[batch]
    return SPARE_COLOURS[spare_rank % len(SPARE_COLOURS)]


def _mix(colour, other: str, share: float) -> tuple:
    rgb, mix = mcolors.to_rgb(colour), mcolors.to_rgb(other)
    return tuple((1 - share) * a + share * b for a, b in zip(rgb, mix))


def run_colour(label: str, spare_rank: int = 0) -> str | tuple:
    """The colour of a run label, as the report writes them ("GD", "GD+wd", "SGD-32",
    "SGD+wd-32", "SGD-32+wd", the toy's "SGD b=1 shuffled"; a " (optimizer)" suffix
    is ignored): GD red, GD+wd brown, SGD by batch size (:func:`batch_colour`)."""
    name = label.split(" (")[0].strip()
    if name.startswith("GD"):
        return GD_WD_COLOUR if "+wd" in name else GD_COLOUR
    match = _SGD.match(name)
    if match is None:
        return "grey"
    colour = batch_colour(int(match["batch"]), spare_rank)
    if match["wd1"] or "+wd" in match["rest"]:
        return _mix(colour, "black", WD_SHADE)
    if "shuffled" in match["rest"]:
        return _mix(colour, "white", SHUFFLED_TINT)
    return colour


def colours(labels: list[str]) -> dict[str, str | tuple]:
    """label -> its colour (:func:`run_colour`) for every label of a figure; batch sizes
    in no table get the spare colours in increasing order of size."""
    unknown = sorted(
        {
            int(m["batch"])
            for lab in labels
            if (m := _SGD.match(lab.split(" (")[0].strip()))
            and int(m["batch"]) not in PAPER_BATCH_COLOURS
            and int(m["batch"]) not in OTHER_BATCH_COLOURS
        }
    )
    out = {}
    for lab in labels:
        m = _SGD.match(lab.split(" (")[0].strip())
        rank = unknown.index(int(m["batch"])) if m and int(m["batch"]) in unknown else 0
        out[lab] = run_colour(lab, rank)
    return out


def colour_hex(label: str) -> str:
    """:func:`run_colour` as '#rrggbb' (for HTML tables)."""
    return mcolors.to_hex(run_colour(label))


def save_figure(fig, path: str | os.PathLike) -> None:
    """Write ``fig`` atomically (format from the suffix) and close it."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
