"""Fitting and validating points scorecards from labelled history (`scf risk fit | validate`).

Binning, weight of evidence and the metrics are plain Python; the logistic regression and the folds use
scikit-learn, an optional extra (`pip install scf-ledger[risk]`): deciding on an order needs only the points."""
