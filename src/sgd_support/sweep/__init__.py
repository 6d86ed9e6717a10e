"""What the workflow and the ``sgd-support`` command ask of a config, before and
around training: its checks (validation), where each run trains (placement), what
it will cost (cost, plan), how far a sweep has got (status) and which files it
produces (targets)."""
