"""`make bench`: the pipeline's figures, measured on this machine and written to bench/."""
