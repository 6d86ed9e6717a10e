"""E7: first layers trained on MNIST/digits (Sec. 5.2, Fig. 2, 5-8, Proposition 5):
``report.write_e7`` writes its figures, table and claims (``claims``, ``focus_order``);
E8: the pixel covariance of the image data sets and its spectrum (``spectra``).
``runs``, ``analysis`` and ``figures`` serve both and E9 (``experiments/head``)."""
