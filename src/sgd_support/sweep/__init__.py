"""What the workflow and the ``sgd-support`` command ask of a config, before and
around training: its runs, their specs and training groups (runs), its checks
(validation; config_check reads a config file as the workflow does), where each run
trains (placement), what it will cost (cost, plan), how far a sweep has got (status)
and what the families' targets share (targets)."""
