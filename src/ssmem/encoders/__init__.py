"""Sentence encoders shared by retrieval and the compressor (one model pass per text)."""

from ssmem.encoders.minilm import EncoderConfig, MiniLMEncoder, shared_encoder

__all__ = ["EncoderConfig", "MiniLMEncoder", "shared_encoder"]
