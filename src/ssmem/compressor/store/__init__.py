"""store side of the compressor."""
