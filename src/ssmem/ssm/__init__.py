"""The selective SSM core: a Mamba-1 stack with a chunked scan, a streaming step, a typed
state and safetensors snapshots. Start reading at model.py."""

from ssmem.ssm.config import MambaConfig
from ssmem.ssm.model import MambaBlock, MambaModel
from ssmem.ssm.snapshot import load_model, load_state, save_model, save_state
from ssmem.ssm.state import SSMState

__all__ = [
    "MambaBlock",
    "MambaConfig",
    "MambaModel",
    "SSMState",
    "load_model",
    "load_state",
    "save_model",
    "save_state",
]
