"""EPCIS 2.0 core: validation, event hash IDs, normalised extraction and event building.

Pure Python (no Flask, no database). Identifier parsing is delegated to ``traceability.gs1``.
"""

from .builder import (
    PROJECT_NAMESPACE,
    PROJECT_PREFIX,
    BizTransactionSpec,
    EPCISBuildError,
    IlmdSpec,
    PartySpec,
    QuantitySpec,
    build_object_event_document,
    build_transformation_event_document,
)
from .extraction import (
    BizTransaction,
    Identifier,
    Location,
    Quantity,
    SourceDestination,
    iter_events,
    summarize_document,
    summarize_event,
    to_plain,
)
from .hashing import (
    assign_event_ids,
    event_hash_id,
    event_prehash,
    verify_event_id,
    with_event_ids,
)
from .validation import (
    EPCISProblem,
    is_valid,
    validate_document,
    validate_event,
    validate_query,
)

__all__ = [
    "PROJECT_NAMESPACE",
    "PROJECT_PREFIX",
    "BizTransaction",
    "BizTransactionSpec",
    "EPCISBuildError",
    "EPCISProblem",
    "Identifier",
    "IlmdSpec",
    "Location",
    "PartySpec",
    "Quantity",
    "QuantitySpec",
    "SourceDestination",
    "assign_event_ids",
    "build_object_event_document",
    "build_transformation_event_document",
    "event_hash_id",
    "event_prehash",
    "is_valid",
    "iter_events",
    "summarize_document",
    "summarize_event",
    "to_plain",
    "validate_document",
    "validate_event",
    "validate_query",
    "verify_event_id",
    "with_event_ids",
]
