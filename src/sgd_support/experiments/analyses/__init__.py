"""Analyses across every run of a sweep: E10, Theorem 1's decay rate of the irrelevant
norm against lr/b (per step and over training), and E11, init dependence by batch size."""
