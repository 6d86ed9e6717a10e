"""The paper's propositions put to experiments (E12 diagonal networks, E13 the optimizer axis)."""
