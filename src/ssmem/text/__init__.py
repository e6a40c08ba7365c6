"""Text analysis shared by every layer: words and document frequencies (`lexicon`),
content phrases (`phrases`), and the per-text `Analysis` kept with a memory slot.
"""

from ssmem.text.analysis import Analysis, analyse

__all__ = ["Analysis", "analyse"]
