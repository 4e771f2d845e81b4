"""Capabilities other engineers deliver on their own schedule, looked up when used.

A page that needs, say, label printing asks for ``feature("labels.services",
"start_label_job")``; while that code is not in the tree the page says so or is left out of
the navigation, and it works as soon as the code lands, without a change here.
"""

import importlib
import importlib.util

PACKAGE = __name__.rsplit(".", 2)[0]  # "traceability"


def module(name: str):
    """``traceability.<name>`` imported, or None when it does not exist (yet)."""
    dotted = f"{PACKAGE}.{name}"
    try:
        if importlib.util.find_spec(dotted) is None:
            return None
    except ModuleNotFoundError:
        return None
    return importlib.import_module(dotted)


def feature(name: str, *attributes: str):
    """The first attribute of ``traceability.<name>``, when the module and all of them exist."""
    found = module(name)
    if found is None or not all(hasattr(found, attribute) for attribute in attributes):
        return None
    return getattr(found, attributes[0])


def available(name: str, *attributes: str) -> bool:
    return feature(name, *attributes) is not None if attributes else module(name) is not None
