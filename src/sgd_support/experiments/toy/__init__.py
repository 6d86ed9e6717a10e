"""E6: the toy model f(x) = a*b*x (App. B, Fig. 4 and 9)."""
