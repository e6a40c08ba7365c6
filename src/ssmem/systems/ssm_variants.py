"""The compressor-backed systems by name: `ssm`, `hybrid` (and `hybrid-lme`, whose retriever is
`rag-lme`) and the ablations that isolate
what the SSM buys — `ssm-norec` (same heads, per-event classifier, no state),
`ssm-noupdate` (updates never overwrite), `ssm-untrained` (randomly initialised SSM and
heads), `ssm-nostate` (the learned update attribution with the SSM state zeroed at its head
only: the difference to `ssm` is what the state adds to attribution) and `ssm-rules` (no
learned attribution: updates are resolved at read time by the phrase rule of
`consolidate.py` alone, the hand-written reference). Imports are deferred: torch loads only
when one is built.
"""

from __future__ import annotations

from ssmem.compressor import NOREC_DIR
from ssmem.tokens import TokenCounter


def ssm_system(counter: TokenCounter | None):
    from ssmem.systems.ssm import SSMMemory

    return SSMMemory(counter)


def hybrid_system(counter: TokenCounter | None):
    from ssmem.systems.hybrid import HybridMemory

    return HybridMemory(counter)


def hybrid_lme_system(counter: TokenCounter | None):
    from ssmem.systems.hybrid import HybridMemory

    mem = HybridMemory(counter, retriever="rag-lme")
    mem.name = "hybrid-lme"
    return mem


def norec_system(counter: TokenCounter | None):
    from ssmem.compressor.checkpoint import default_checkpoint_dir
    from ssmem.systems.ssm import SSMMemory

    mem = SSMMemory(counter, checkpoint=default_checkpoint_dir().parent / NOREC_DIR)
    mem.name = "ssm-norec"
    return mem


def noupdate_system(counter: TokenCounter | None):
    from ssmem.systems.ssm import SSMMemory, SSMSystemConfig

    mem = SSMMemory(counter, config=SSMSystemConfig(allow_updates=False))
    mem.name = "ssm-noupdate"
    return mem


def untrained_system(counter: TokenCounter | None):
    import torch

    from ssmem.compressor.write.model import CompressorConfig, CompressorNet
    from ssmem.systems.ssm import SSMMemory

    torch.manual_seed(0)
    mem = SSMMemory(counter, net=CompressorNet(CompressorConfig()))
    mem.name = "ssm-untrained"
    return mem


def nostate_system(counter: TokenCounter | None):
    from ssmem.systems.ssm import SSMMemory

    mem = SSMMemory(counter)
    mem.net.zero_attach_state = True
    mem.name = "ssm-nostate"
    return mem


def rules_system(counter: TokenCounter | None):
    from dataclasses import replace

    from ssmem.systems.ssm import SSMMemory

    mem = SSMMemory(counter)
    cfg = mem.materializer.config
    # No learned overwrite lands and no change takes a thread's subject; the read-time
    # rule runs at the key cosine it was shipped
    # with (or ignoring keys, where the shipped config switched the rule off).
    read_match = cfg.read_match if cfg.read_match <= 1.0 else -2.0
    mem.materializer.config = replace(
        cfg, match_threshold=2.0, thread_threshold=2.0, read_match=read_match
    )
    mem.name = "ssm-rules"
    return mem


FACTORIES = {
    "ssm": ssm_system,
    "hybrid": hybrid_system,
    "hybrid-lme": hybrid_lme_system,  # the hybrid with rag-lme as its retriever
    "ssm-norec": norec_system,
    "ssm-noupdate": noupdate_system,
    "ssm-untrained": untrained_system,
    "ssm-nostate": nostate_system,
    "ssm-rules": rules_system,
}
