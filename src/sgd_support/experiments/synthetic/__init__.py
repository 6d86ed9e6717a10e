"""E1-E5: linear and ReLU networks on the synthetic support data (Fig. 1, 3, 10-16)."""
