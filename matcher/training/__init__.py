"""Training: examples from ESCO and from recorded outcomes, a learned scorer, embedding adaptation,
the validation-pathway estimator, and the runs that put them in the model registry."""
