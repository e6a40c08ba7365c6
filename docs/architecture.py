"""Draws the README's architecture diagram: the data path, box by box, with the package or
module that implements each step, and the import layers that `lint-imports` enforces.

Run `python docs/architecture.py [OUT.png]` (default: docs/architecture.png). The test
tests/test_architecture.py checks that every path in `NAMED` exists and that every subpackage
of src/ssmem is named, so the picture cannot drift from the layout.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch

PACKAGE = "src/ssmem"
DEFAULT_OUT = Path(__file__).with_name("architecture.png")
FONT = 9  # the smallest text; stays readable when the README scales the image to ~900 px
MONO = "DejaVu Sans Mono"


@dataclass(frozen=True)
class Layer:
    """One import layer; `name` is spelled as in the first [tool.importlinter] contract."""

    name: str
    paths: tuple[str, ...]  # relative to src/ssmem
    role: str
    colour: str


# Top to bottom: a layer may import only the layers below it.
LAYERS = [
    Layer("cli", ("cli/",), "the ssmem command", "#d9d9d9"),
    Layer("integrations", ("integrations/",), "MCP server · OpenAI proxy · adapters", "#e3e3f0"),
    Layer("train", ("train/",), "trains + calibrates the compressor", "#f4c7b8"),
    Layer("bench", ("bench/",), "every benchmark, its streams, metrics", "#f9dea6"),
    Layer("service", ("service/",), "FastAPI streaming memory server", "#fbf0a8"),
    Layer("orchestrator", ("orchestrator.py",), "reader prompt, citations", "#cfe8c3"),
    Layer("systems", ("systems/",), "every memory system: make_system()", "#bfe6df"),
    Layer("compressor", ("compressor/",), "write · store · read · checkpoint", "#c9dcf5"),
    Layer(
        "llm | ssm | encoders",
        ("llm/", "ssm/", "encoders/"),
        "readers · Mamba SSM core · MiniLM",
        "#dcd0f0",
    ),
    Layer(
        "adapters | context | text | demo",
        ("adapters/", "context/", "text/", "demo.py"),
        "formats → Events · Lines · words",
        "#f4cfe2",
    ),
    Layer(
        "events | tokens | labels | errors",
        ("events.py", "tokens.py", "labels.py", "errors.py"),
        "Event, TokenCounter, shared types",
        "#e8e6d2",
    ),
]
COLOUR = {layer.name: layer.colour for layer in LAYERS}
INPUT = "#ffffff"  # the query, the answer: not code


@dataclass(frozen=True)
class Step:
    """One box of the data path, placed on a grid of 4 columns and 6 rows (0 = top)."""

    key: str
    title: str  # what the box says in bold; "\n" where a path is too long for one line
    paths: tuple[str, ...]  # relative to src/ssmem; () for the query and the answer
    note: str
    layer: str  # a Layer.name, or "" for the query and the answer
    col: int
    row: float
    dashed: bool = False


STEPS = [
    # Write path, down the left column: once per event, no LLM call.
    Step("adapters", "adapters/", ("adapters/", "events.py"), "stream formats → Events",
         "adapters | context | text | demo", 0, 0),
    Step("features", "compressor/write/\nfeatures.py", ("compressor/write/features.py",),
         "featurizer: event → vector", "compressor", 0, 1),
    Step("ssm", "ssm/", ("ssm/",), "Mamba SSM state:\nfixed size, O(1) per event",
         "llm | ssm | encoders", 0, 2),
    Step("heads", "compressor/write/\nmodel.py", ("compressor/write/model.py",),
         "decision heads: type,\nkey, update, utility", "compressor", 0, 3),
    Step("materializer", "compressor/write/\nmaterializer.py",
         ("compressor/write/materializer.py",), "slot decisions", "compressor", 0, 4),
    Step("store", "compressor/store/", ("compressor/store/",),
         "slots: verbatim text,\nprovenance, history", "compressor", 0, 5),
    # The raw log and the read path, once per query.
    Step("rag", "systems/rag.py", ("systems/rag.py", "encoders/"),
         "raw log → BM25 + dense\nindex (encoders/ MiniLM)", "systems", 1, 0),
    Step("query", "query", (), "", "", 1, 2.5),
    Step("read", "compressor/read/", ("compressor/read/", "compressor/read/memory_view.py"),
         "rank (memory_view.py),\nconsolidate, supersession", "compressor", 1, 5),
    Step("merge", "systems/merge.py", ("systems/merge.py",),
         "memory lines + retrieved\nhits in one relevance\norder (the retriever's)",
         "systems", 2, 2.5),
    Step("lines", "context/\nline.py · info.py", ("context/line.py", "context/info.py"),
         "typed Lines + ContextInfo", "adapters | context | text | demo", 2, 5),
    Step("render", "context/\npack.py · render.py", ("context/pack.py", "context/render.py"),
         "one packer, one renderer", "adapters | context | text | demo", 3, 5),
    Step("orchestrator", "orchestrator.py", ("orchestrator.py",),
         "adds only instructions,\nparses citations", "orchestrator", 3, 4),
    Step("llm", "llm/", ("llm/",), "reader backend + prompt", "llm | ssm | encoders", 3, 3),
    Step("answer", "answer", (), "with [#seq] citations", "", 3, 2),
    Step("bench", "bench/", ("bench/",), "scores the answer and\nexactly Context.render()",
         "bench", 3, 1),
    Step("systems", "systems/", ("systems/", "systems/ssm_variants.py"),
         "make_system(): window,\nfull, rag, summary, ssm,\nhybrid (+ ssm_variants.py)",
         "systems", 3, 0, dashed=True),
]  # fmt: skip

# (from, to, label, connection): the connection bends an arrow ("" = straight).
ARROWS = [
    ("adapters", "features", "", ""),
    ("features", "ssm", "", ""),
    ("ssm", "heads", "", ""),
    ("heads", "materializer", "", ""),
    ("materializer", "store", "", ""),
    ("adapters", "rag", "", ""),
    ("store", "read", "", ""),
    ("query", "read", "", ""),
    ("query", "merge", "", ""),
    ("rag", "merge", "ranked hits", "angle,angleA=0,angleB=90,rad=0"),
    ("read", "lines", "", ""),
    ("merge", "lines", "memory + hits", ""),
    ("lines", "render", "", ""),
    ("render", "orchestrator", "Context.render()", ""),
    ("orchestrator", "llm", "prompt", ""),
    ("llm", "answer", "", ""),
    ("answer", "bench", "", ""),
]

# Every package or module the picture names, as a repo path.
NAMED = sorted(
    {f"{PACKAGE}/{p.rstrip('/')}" for step in STEPS for p in step.paths}
    | {f"{PACKAGE}/{p.rstrip('/')}" for layer in LAYERS for p in layer.paths}
)

# Geometry, in inches: the axes span the figure 1:1.
FIG_W, FIG_H, DPI = 12.0, 7.0, 110
COL_X = (0.15, 2.42, 4.69, 6.96)  # left edges
COL_W = 1.95
ROW_Y = (5.85, 4.8, 3.75, 2.7, 1.65, 0.6)  # centres at rows 0..5
BOX_H = 0.82
LEGEND_X, LEGEND_W = 9.2, 2.7


def _box(step: Step) -> tuple[float, float, float, float]:
    """(x0, y0, width, height) of a step's box; the query and the answer are smaller."""
    x0, w = COL_X[step.col], COL_W
    y = ROW_Y[int(step.row)] - (step.row % 1) * (ROW_Y[0] - ROW_Y[1])
    h = BOX_H if step.paths else 0.55
    return x0, y - h / 2, w, h


def _anchor(box: tuple[float, float, float, float], side: str) -> tuple[float, float]:
    x0, y0, w, h = box
    return {
        "top": (x0 + w / 2, y0 + h),
        "bottom": (x0 + w / 2, y0),
        "left": (x0, y0 + h / 2),
        "right": (x0 + w, y0 + h / 2),
    }[side]


def _sides(a: Step, b: Step) -> tuple[str, str]:
    """Which sides an arrow leaves and enters by: across columns, or along one."""
    if a.col == b.col:
        return ("bottom", "top") if b.row > a.row else ("top", "bottom")
    if a.row == b.row:
        return "right", "left"
    return "right", "top" if b.row > a.row else "bottom"


def _draw_step(ax: Axes, step: Step) -> None:
    x0, y0, w, h = _box(step)
    ax.add_patch(
        FancyBboxPatch(
            (x0, y0),
            w,
            h,
            boxstyle="round,pad=0,rounding_size=0.08",
            facecolor=COLOUR.get(step.layer, INPUT),
            edgecolor="#555555",
            linewidth=1.0,
            linestyle=(0, (4, 3)) if step.dashed else "-",
        )
    )
    n_title = step.title.count("\n") + 1
    n_note = step.note.count("\n") + 1 if step.note else 0
    line = 0.155  # inches per line at FONT
    top = y0 + h / 2 + (n_title + n_note) * line / 2
    ax.text(
        x0 + w / 2,
        top,
        step.title,
        ha="center",
        va="top",
        fontsize=FONT + 0.5,
        fontweight="bold",
        family=MONO if step.paths else None,
        linespacing=1.1,
    )
    if step.note:
        ax.text(
            x0 + w / 2,
            top - n_title * line - 0.03,
            step.note,
            ha="center",
            va="top",
            fontsize=FONT,
            linespacing=1.1,
        )


def _draw_arrow(ax: Axes, a: Step, b: Step, label: str, connection: str) -> None:
    if connection:  # an elbow: leave a's right side, come down onto b's top
        start, end = _anchor(_box(a), "right"), _anchor(_box(b), "top")
        corner = (end[0], start[1])
    else:
        side_a, side_b = _sides(a, b)
        start, end = _anchor(_box(a), side_a), _anchor(_box(b), side_b)
        corner = None
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops=dict(
            arrowstyle="-|>",
            color="#333333",
            lw=1.4,
            mutation_scale=13,
            shrinkA=0,
            shrinkB=1,
            connectionstyle=connection or "arc3",
        ),
    )
    if not label:
        return
    style = dict(fontsize=FONT, style="italic", linespacing=1.1)
    if corner:  # above the elbow's horizontal leg
        ax.text(
            (start[0] + corner[0]) / 2, start[1] + 0.05, label, ha="center", va="bottom", **style
        )
    else:  # beside a vertical arrow, clear of the line
        mid = (start[1] + end[1]) / 2
        ax.text(start[0] + 0.1, mid, label, ha="left", va="center", **style)


def _wrap(words: tuple[str, ...], width: int) -> str:
    """`words` on one line if it fits in `width` characters, else on two balanced lines."""
    one = " ".join(words)
    if len(one) <= width or len(words) < 2:
        return one
    half = (len(words) + 1) // 2
    return " ".join(words[:half]) + "\n" + " ".join(words[half:])


def _draw_layers(ax: Axes) -> None:
    x0, y = LEGEND_X, 6.26
    ax.text(x0, y, "Import layers", fontsize=FONT + 2, fontweight="bold", va="top")
    ax.text(
        x0,
        y - 0.27,
        "each imports only the layers below it,\nchecked by lint-imports "
        "(pyproject.toml);\nbox colour = the layer of its code",
        fontsize=FONT,
        va="top",
        linespacing=1.1,
    )
    y -= 0.85
    line, pad, gap = 0.15, 0.06, 0.06
    for layer in LAYERS:
        paths = _wrap(layer.paths, 33)  # what fits the chip in bold monospace
        h = (paths.count("\n") + 2) * line + 2 * pad
        y -= h
        ax.add_patch(
            FancyBboxPatch(
                (x0, y),
                LEGEND_W,
                h,
                boxstyle="round,pad=0,rounding_size=0.06",
                facecolor=layer.colour,
                edgecolor="#777777",
                linewidth=0.8,
            )
        )
        ax.text(
            x0 + 0.08,
            y + h - pad,
            paths,
            fontsize=FONT,
            fontweight="bold",
            family=MONO,
            va="top",
            linespacing=1.1,
        )
        ax.text(x0 + 0.08, y + pad, layer.role, fontsize=FONT, va="bottom")
        y -= gap


def draw(out: Path = DEFAULT_OUT) -> Path:
    """Draw the diagram to `out` (PNG) and return the path."""
    fig = plt.figure(figsize=(FIG_W, FIG_H), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, FIG_W)
    ax.set_ylim(0, FIG_H)
    ax.axis("off")
    ax.text(
        0.15,
        6.82,
        "ssmem data path: write once per event, read once per query",
        fontsize=FONT + 5,
        fontweight="bold",
        va="center",
    )
    ax.text(
        0.15,
        6.5,
        "The benchmark scores exactly the text the reader gets: "
        "Context.render(). Made by docs/architecture.py.",
        fontsize=FONT,
        va="center",
    )
    steps = {step.key: step for step in STEPS}
    for a, b, label, connection in ARROWS:
        _draw_arrow(ax, steps[a], steps[b], label, connection)
    for step in STEPS:
        _draw_step(ax, step)
    _draw_layers(ax)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=DPI, facecolor="white")
    plt.close(fig)
    return out


if __name__ == "__main__":
    print(draw(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT))
