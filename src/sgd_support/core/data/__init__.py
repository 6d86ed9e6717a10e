"""Data sets: generators and the on-disk format training jobs read."""
