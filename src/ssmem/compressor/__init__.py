"""The SSM compressor: learned streaming selection with update semantics (the product).

- `write/`: event features, the network (SSM + heads) and the materializer that turns its
  decisions into slots;
- `store/`: the bounded slot table with histories, and episodic snapshots;
- `read/`: ranking and packing slots for a query, read-time consolidation, supersession
  notes;
- `checkpoint.py`: weights and the write- and read-side settings, saved together.
The systems built on it (`ssm`, `hybrid`, the ablations) live in `ssmem.systems`.
"""

NOREC_DIR = "compressor-norec"  # the per-event ablation, next to the shipped checkpoint
