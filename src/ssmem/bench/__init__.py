"""The benchmark: generated evolving streams, real-data rows, metrics, runner and report.

`generate(family, split, seed, target_tokens, counter)` builds a `Stream`; `ssmem bench` runs
every registered memory system over the matrix and writes results.json, summary.md and plots.
"""

from ssmem.bench.generators import FAMILIES, generate
from ssmem.bench.types import CATEGORIES, LABEL_TYPES, EventLabel, Question, Stream

__all__ = ["CATEGORIES", "FAMILIES", "LABEL_TYPES", "EventLabel", "Question", "Stream", "generate"]
