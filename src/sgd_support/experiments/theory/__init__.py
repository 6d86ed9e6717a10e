"""The paper's propositions put to experiments: E12, diagonal networks and App. J's
counterexample (:mod:`.diagonal`), and E13, the optimizer axis (:mod:`.optimizers`).
Which runs each row reads: :mod:`.targets`."""
