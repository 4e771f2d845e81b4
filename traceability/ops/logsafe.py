"""Keep secrets that travel in URLs out of the logs (plain functions: gunicorn uses them too).

Password-reset links carry their token in the path and recall-notice acknowledgement links in
the query; request logs (the app's JSON access log and gunicorn's) write ``[redacted]``
instead. API keys travel in the ``Authorization`` header, which no log writes.
"""

from __future__ import annotations

import re

REDACTED = "[redacted]"
_PATH_SECRETS = re.compile(r"(/password/reset/)[^/?#\s]+")
_QUERY_SECRETS = re.compile(r"([?&](?:token|key|api_key|secret|password)=)[^&#\s]*",
                            re.IGNORECASE)


def redact(target: str) -> str:
    """A request target (path, query or request line) with its secrets replaced."""
    if not target:
        return target
    return _QUERY_SECRETS.sub(r"\1" + REDACTED, _PATH_SECRETS.sub(r"\1" + REDACTED, target))
