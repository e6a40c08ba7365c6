"""The SSM compressor: learned streaming selection with update semantics (the product).

Systems (all through `ssmem.systems.make_system`):
- `ssm`: recent window + memory materialized from the trained SSM's decisions;
- `hybrid`: `ssm` + retrieval over the raw log when the trigger policy fires;
- ablations: `ssm-norec` (same heads, per-event classifier, no state), `ssm-noupdate`
  (updates never overwrite), `ssm-untrained` (randomly initialised SSM and heads).
"""

from __future__ import annotations

from ssmem.tokens import TokenCounter

NOREC_DIR = "compressor-norec"


def ssm_system(counter: TokenCounter | None):
    from ssmem.compressor.system import SSMMemory

    return SSMMemory(counter)


def hybrid_system(counter: TokenCounter | None):
    from ssmem.compressor.hybrid import HybridMemory

    return HybridMemory(counter)


def norec_system(counter: TokenCounter | None):
    from ssmem.compressor.checkpoint import default_checkpoint_dir
    from ssmem.compressor.system import SSMMemory

    mem = SSMMemory(counter, checkpoint=default_checkpoint_dir().parent / NOREC_DIR)
    mem.name = "ssm-norec"
    return mem


def noupdate_system(counter: TokenCounter | None):
    from ssmem.compressor.system import SSMMemory, SSMSystemConfig

    mem = SSMMemory(counter, config=SSMSystemConfig(allow_updates=False))
    mem.name = "ssm-noupdate"
    return mem


def untrained_system(counter: TokenCounter | None):
    import torch

    from ssmem.compressor.model import CompressorConfig, CompressorNet
    from ssmem.compressor.system import SSMMemory

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
