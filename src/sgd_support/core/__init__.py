"""The training core: what a training job runs, and the few helpers every layer shares.

Data sets (data), models and their inits (models), the engines (engines), minibatch
orders (batches), the step grid and the metrics recorded on it (recording), the
drivers (training: a run's spec and the one loop for one run or an ensemble's; group:
a training group's runs), trajectories and weights as Parquet (storage), checkpoints
(checkpoint_file) and E9's feature backbone (backbone); the files listed in
``provenance.TRAINING_CODE`` are hashed into the training jobs' params. Shared by
every layer: atomic writes (atomic), provenance, the one-line user errors (errors)
and the checks of a run's files (integrity)."""
