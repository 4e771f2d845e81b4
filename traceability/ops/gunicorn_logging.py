"""Gunicorn's access log without the secrets some links carry (see ``logsafe``)."""

from gunicorn.glogging import Logger

from .logsafe import redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("r", "U", "q"):
            if atoms.get(name):
                atoms[name] = redact(atoms[name])
        return atoms
