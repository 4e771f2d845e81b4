"""Events: EPCIS 2.0 capture and query, one-step-back / one-step-forward links between batches.

``epcis``    the standard itself: validation, event hash IDs, summaries, builders (pure Python)
``models``   captured events and what they name, parties, who they concern, the chain links
``services`` capture (validate, resolve, authorize, record), access rules, EPCIS queries,
             exports, the digital product passport
``chain``    one_step_back / one_step_forward / full_chain / journey / mass_balance /
             affected_by_recall, over the links capture leaves
``stages``   sector templates (forms) that record stages through the same capture
``routes``   the API (``/api/v1/events``, ``/api/v1/epcis/…``, ``/api/v1/batches/{id}/…``)
"""
