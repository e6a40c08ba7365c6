"""write side of the compressor."""
