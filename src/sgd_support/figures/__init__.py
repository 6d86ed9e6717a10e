"""Report figures, one module per kind: norm curves (Fig. 3, 11, 14) and weight /
Gram heatmap grids (Fig. 1, 10, 12, 13, 15, 16). Every file is written through
``atomic_path``; matplotlib runs headless (Agg)."""
