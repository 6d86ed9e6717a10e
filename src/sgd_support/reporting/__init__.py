"""What every experiment's report entries share: the claims rows and the checklist
(claims), the one HTML table writer (tables), the one figure style (figure_style),
the one reader of run-folder paths (run_paths), the across-seed aggregation
(aggregate)."""
