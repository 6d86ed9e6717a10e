"""Analyses across runs of a sweep (E10 decay rate against lr/b, E11 init dependence)."""
