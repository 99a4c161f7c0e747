"""The core: abstract values, the IR, primitives and traces. Knows no particular primitive."""
