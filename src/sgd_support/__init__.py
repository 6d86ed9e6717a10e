"""sgd-support: reproduce "How Neural Networks Learn the Support is an Implicit
Regularization Effect of SGD" (Beneventano, Pinto, Poggio).

The package holds the science; the Snakemake workflow in the repository root only
wires jobs together. Its layers, each importing only those above it (checked by
tests/test_layers.py):

- ``core``, the training core (its files are hashed into the training jobs' params,
  see ``core.provenance.TRAINING_CODE``): ``data`` (data sets), ``models``,
  ``engines``, ``batches``, ``recording`` (the step grid and its metrics), ``training``
  (a run's spec and the one loop) and ``group`` (the drivers), ``storage`` (trajectories
  and weights as Parquet), ``checkpoint_file`` and ``backbone``; beside them the helpers every layer
  shares: ``atomic``, ``provenance``, ``errors`` and ``integrity``;
- ``reporting``: claims, tables, figure style, run paths and run labels every
  experiment shares;
- ``sweep``: a config's runs, specs and training groups (``sweep.runs``, outside the
  training hash), and its checks, placement, cost, status and shared targets;
- ``experiments``: one folder per family of the paper's experiments (E1-E11), each
  with its path patterns and targets, and ``experiments.families``, the registry that
  imports them (no layer loads a module by name);
- ``cli``: thin command-line entry points, one per rule of the workflow.
"""

__version__ = "0.1.0"
