"""The paper's theory put to runs (E12, E13): diagonal networks and App. J's counterexample
(:mod:`.diagonal`), the optimizer axis (:mod:`.optimizers`). Which runs each row reads:
:mod:`.targets`."""
