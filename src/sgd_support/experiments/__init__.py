"""The paper's experiments, one folder per family, each with its statistics,
figures and claims:

- ``synthetic``: E1-E5, linear and ReLU networks on the synthetic support data
  (irrelevant-norm curves, W1 / Gram grids, the paper's values, the claims);
- ``toy``: E6, the toy model f(x) = a*b*x (rates, landscape, claims);
- ``images``: E7 (MNIST/digits first layers: eigenvalues, focus maps, Proposition 5)
  and E8 (pixel covariance spectra);
- ``head``: E9, a classifier head on frozen ResNet18 features of CIFAR10;
- ``analyses``: E10 (Theorem 1's rate, per step and over training) and E11 (init
  dependence by batch size), across every run of a sweep.

Each family's ``targets.py`` types its path patterns (the rules' outputs) and says
which files a config makes for it; :mod:`sgd_support.experiments.families` registers
the families and adds them up for the workflow.
"""
