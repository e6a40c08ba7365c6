"""read side of the compressor."""
