"""Training the compressor on the benchmark generators' train split (never eval).

Objectives, one small module each: reconstruction (1), task-conditioned utility (2),
contrastive retrieval-of-state (3), change sensitivity (4), plus the supervised heads they
lean on: slot type and slot key.
"""
