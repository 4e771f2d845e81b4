"""Events: EPCIS 2.0 capture and query, one-step-back / one-step-forward links between batches."""
