"""sgd-support: reproduce "How Neural Networks Learn the Support is an Implicit
Regularization Effect of SGD" (Beneventano, Pinto, Poggio).

The package holds the science; the Snakemake workflow in the repository root only
wires jobs together. Its layers, each using only those above it:

- the training core (its files are hashed into the training jobs' params, see
  ``provenance.TRAINING_CODE``): ``data`` (data sets), ``models``, ``engines``,
  ``batches``, ``grid``, ``recording``, ``training`` and ``group`` (the drivers),
  ``storage`` (trajectories and weights as Parquet), ``config`` (a config's runs);
- ``sweep``: checks, placement, cost, status and targets of a config's sweep;
- ``reporting``: claims, tables, figure style and run paths every experiment shares;
- ``experiments``: one folder per family of the paper's experiments (E1-E11);
- ``cli``: thin command-line entry points, one per rule of the workflow.
"""

__version__ = "0.1.0"
