"""The compressor-backed systems by name: `ssm`, `hybrid` and the ablations that isolate
what the SSM buys — `ssm-norec` (same heads, per-event classifier, no state),
`ssm-noupdate` (updates never overwrite), `ssm-untrained` (randomly initialised SSM and
heads). Imports are deferred: torch loads only when one is built.
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


FACTORIES = {
    "ssm": ssm_system,
    "hybrid": hybrid_system,
    "ssm-norec": norec_system,
    "ssm-noupdate": noupdate_system,
    "ssm-untrained": untrained_system,
}
