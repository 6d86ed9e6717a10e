"""sgd-support: reproduce "How Neural Networks Learn the Support is an Implicit
Regularization Effect of SGD" (Beneventano, Pinto, Poggio).

The package holds the science (data, models, engines, recording, storage); the
Snakemake workflow in the repository root only wires jobs together.
"""

__version__ = "0.1.0"
