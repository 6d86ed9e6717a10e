"""What every experiment's report entries share: the claims rows (claims) and the
checklist page that collects them (checklist), the one HTML table writer (tables),
the one figure style (figure_style), the one reader of run-folder paths
(run_paths), the across-seed aggregation (aggregate), the final-state table
(final_summary), and the experiment and label of each run (catalog)."""
