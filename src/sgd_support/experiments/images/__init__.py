"""E7: first layers trained on MNIST/digits (Sec. 5.2, Fig. 2, 5-8, Proposition 5);
E8: the pixel covariance of the image data sets and its spectrum."""
