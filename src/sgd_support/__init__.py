"""sgd-support: reproduce "How Neural Networks Learn the Support is an Implicit
Regularization Effect of SGD" (Beneventano, Pinto, Poggio).

The package holds the science; the Snakemake workflow in the repository root only
wires jobs together. Its layers, each importing only those above it (checked by
tests/test_layers.py):

- the training core (its files are hashed into the training jobs' params, see
  ``provenance.TRAINING_CODE``): ``data`` (data sets), ``models``, ``engines``,
  ``batches``, ``grid``, ``recording``, ``training`` and ``group`` (the drivers),
  ``storage`` (trajectories and weights as Parquet), ``config`` (a config's runs);
- ``reporting``: claims, tables, figure style, run paths and run labels every
  experiment shares;
- ``sweep``: checks, placement, cost, status and targets of a config's sweep
  (``sweep.targets`` loads each family's targets module by name when called);
- ``experiments``: one folder per family of the paper's experiments (E1-E11);
- ``cli``: thin command-line entry points, one per rule of the workflow.
"""

__version__ = "0.1.0"
