"""Service and schema messages, shown to people in their language.

Services and schemas speak English (the API's language). Pages show the same messages in the
visitor's language: each known message is matched by a pattern and rendered again from a
translatable template (extracted by ``pybabel`` like any other string). A message nobody
taught us is shown as it is, which is still a message a person can act on.
"""

import re

from flask_babel import gettext

from .. import gs1


def N_(message: str) -> str:  # noqa: N802 - the gettext marker pybabel extracts
    """Mark a message for translation; it is translated when shown."""
    return message


def _p(pattern: str, template: str) -> tuple[re.Pattern, str]:
    return re.compile("^" + pattern + "$", re.S), template


# (English message pattern with named groups, translatable template using the same names)
PATTERNS = [
    # marshmallow
    _p(r"Missing data for required field\.", N_("This field is required.")),
    _p(r"Field may not be null\.", N_("This field is required.")),
    _p(r"Not a valid integer\.", N_("Enter a whole number.")),
    _p(r"Not a valid number\.", N_("Enter a number.")),
    _p(r"Not a valid date\.", N_("Enter a date as dd/mm/yyyy.")),
    _p(r"Not a valid string\.", N_("Enter text.")),
    _p(r"Not a valid list\.", N_("Enter one value per line.")),
    _p(r"Invalid value\.", N_("This value is not valid.")),
    _p(r"Unknown field\.", N_("This field is not expected here.")),
    _p(r"Shorter than minimum length (?P<min>\d+)\.",
       N_("Enter at least %(min)s characters.")),
    _p(r"Longer than maximum length (?P<max>\d+)\.",
       N_("Use at most %(max)s characters.")),
    _p(r"Length must be between (?P<min>\d+) and (?P<max>\d+)\.",
       N_("Use between %(min)s and %(max)s characters.")),
    _p(r"Must be greater than or equal to (?P<min>-?[\d.]+) and less than or equal to "
       r"(?P<max>-?[\d.]+)\.", N_("Enter a number from %(min)s to %(max)s.")),
    _p(r"Must be greater than or equal to (?P<min>-?[\d.]+)\.",
       N_("Enter a number of at least %(min)s.")),
    _p(r"Must be less than or equal to (?P<max>-?[\d.]+)\.",
       N_("Enter a number of at most %(max)s.")),
    _p(r"Must be one of: .*\.", N_("Choose one of the options.")),
    _p(r"Special numeric values \(nan or infinity\) are not permitted\.",
       N_("Enter a number.")),
    # registry: organizations
    _p(r"A tax code \(MST\) has 10 digits, or 10 digits, '-' and 3 digits for a branch\.",
       N_("A tax code (MST) has 10 digits, or 10 digits, '-' and 3 digits for a "
                    "branch.")),
    _p(r"'(?P<value>.*)' is not a GS1 company prefix \(6 to 12 digits, e\.g\. 8934567\)\.",
       N_("'%(value)s' is not a GS1 company prefix (6 to 12 digits, e.g. 8934567).")),
    _p(r"'(?P<value>.*)' is in a restricted-circulation range, not a company prefix\.",
       N_("'%(value)s' is in a restricted-circulation range, not a company prefix.")),
    _p(r"To register, give the email of the account to create\.",
       N_("Give the email of the account to create.")),
    _p(r"An organization with tax code (?P<value>.+) is already registered\.",
       N_("An organization with tax code %(value)s is already registered.")),
    _p(r"GLN (?P<value>\d+) already belongs to another organization\.",
       N_("GLN %(value)s already belongs to another organization.")),
    _p(r"Company prefix (?P<value>.+) is already registered to another organization\.",
       N_("Company prefix %(value)s is already registered to another organization.")),
    _p(r"Say why, so the business can correct it\.",
       N_("Say why, so the business can correct it.")),
    _p(r"Your organization is awaiting approval by the provincial authority; you can add "
       r"records once it is approved\.",
       N_("Your organization is awaiting approval by the provincial authority; you "
                    "can add records once it is approved.")),
    _p(r"Your organization's registration was rejected: (?P<reason>.*)",
       N_("Your organization's registration was rejected: %(reason)s")),
    _p(r"Inspectors can read records but not change them\.",
       N_("Inspectors can read records but not change them.")),
    _p(r"Only an administrator approves or rejects organizations\.",
       N_("Only an administrator approves or rejects organizations.")),
    # GLN
    _p(r"A GLN has exactly 13 digits\.", N_("A GLN has exactly 13 digits.")),
    _p(r"The GLN's check digit is wrong; it should end in (?P<digit>\d)\.",
       N_("The GLN's check digit is wrong; it should end in %(digit)s.")),
    _p(r"A location needs its GLN \(13 digits\)\.",
       N_("A location needs its GLN (13 digits).")),
    _p(r"GLN (?P<value>\d+) is already used by another location\.",
       N_("GLN %(value)s is already used by another location.")),
    # products
    _p(r"GTIN (?P<gtin>\d+) is in the GS1 range '(?P<range>.*)' \((?P<prefix>\d+)\), which does "
       r"not identify trade items in open circulation; use a GTIN under your company prefix\.",
       N_("GTIN %(gtin)s is in the GS1 range '%(range)s' (%(prefix)s), which does not "
                    "identify trade items in open circulation; use a GTIN under your company "
                    "prefix.")),
    _p(r"GTIN (?P<gtin>\d+) is not under your GS1 company prefixes \((?P<prefixes>.*)\)\. .*",
       N_("GTIN %(gtin)s is not under your GS1 company prefixes (%(prefixes)s). To "
                    "register another owner's code, record their written authorisation "
                    "(Decree 74/2018, Art. 19b).")),
    _p(r"GTIN (?P<gtin>\d+) is already registered\.",
       N_("GTIN %(gtin)s is already registered.")),
    # batches
    _p(r"Give the lot \(batch\) number\.", N_("Give the lot (batch) number.")),
    _p(r"A lot number cannot start or end with a space\.",
       N_("A lot number cannot start or end with a space.")),
    _p(r"A lot number has at most (?P<max>\d+) characters \(GS1 AI 10\); this one has "
       r"(?P<count>\d+)\.",
       N_("A lot number has at most %(max)s characters (GS1 AI 10); this one has "
                    "%(count)s.")),
    _p(r"'(?P<char>.*)' cannot be used in a lot number: .*",
       N_("'%(char)s' cannot be used in a lot number: use letters A-Z a-z without "
                    "diacritics, digits and ! \" %% & ' ( ) * + , - . / : ; < = > ? _ only "
                    "(GS1 character set 82).")),
    _p(r"The expiry date (?P<expiry>[\d-]+) is before the production date "
       r"(?P<production>[\d-]+)\.",
       N_("The expiry date is before the production date.")),
    _p(r"The expiry date is before the production date\.",
       N_("The expiry date is before the production date.")),
    _p(r"Location (?P<value>\d+) is not one of this organization's locations\.",
       N_("Choose one of your organization's locations.")),
    _p(r"Location (?P<value>\d+) is not one of yours\.",
       N_("Choose one of your organization's locations.")),
    _p(r"Product (?P<value>\d+) not found\.", N_("Choose one of your products.")),
    _p(r"No product with GTIN (?P<gtin>\d+) is registered\.",
       N_("No product with GTIN %(gtin)s is registered.")),
    _p(r"Name the product by product_id or gtin\.", N_("Choose the product.")),
    _p(r"Lot (?P<lot>.+) of GTIN (?P<gtin>\d+) is already registered\.",
       N_("Lot %(lot)s of GTIN %(gtin)s is already registered.")),
    _p(r"A (?P<status>\w+) batch cannot be changed\.",
       N_("This batch is recalled or void and cannot be changed.")),
    _p(r"Say why the batch is voided\.", N_("Say why the batch is voided.")),
    # certificates
    _p(r"The certificate cannot end before it starts\.",
       N_("The certificate cannot end before it starts.")),
    _p(r"An OCOP certificate carries its rating: 3, 4 or 5 stars\.",
       N_("An OCOP certificate carries its rating: 3, 4 or 5 stars.")),
    _p(r"Only OCOP certificates carry a star rating\.",
       N_("Only OCOP certificates carry a star rating.")),
    _p(r"Name one of this organization's locations\.",
       N_("Choose one of your organization's locations.")),
    _p(r"Name one of this organization's products\.",
       N_("Choose one of your products.")),
    _p(r"Certificate (?P<number>.+) from (?P<issuer>.+) is already recorded\.",
       N_("Certificate %(number)s from %(issuer)s is already recorded.")),
    # accounts
    _p(r"Enter a valid email address\.", N_("Enter a valid email address.")),
    _p(r"An account for (?P<email>.+) already exists\.",
       N_("An account for %(email)s already exists.")),
    _p(r"Use at least (?P<min>\d+) characters\.",
       N_("Use at least %(min)s characters.")),
    # oversight: trace, holds and recalls, inspections
    _p(r"The code is valid GS1 data, but GTIN (?P<gtin>\d+) is not registered here\.",
       N_("The code is valid, but GTIN %(gtin)s is not registered here.")),
    _p(r"The code is valid, but lot (?P<lot>.+) of GTIN (?P<gtin>\d+) is not registered\.",
       N_("The code is valid, but lot %(lot)s of GTIN %(gtin)s is not registered.")),
    _p(r"Serial (?P<serial>.+) of GTIN (?P<gtin>\d+) was never issued here\.",
       N_("Serial %(serial)s of GTIN %(gtin)s was never issued here.")),
    _p(r"The code parses, but it carries no GTIN; .*",
       N_("The code is valid, but it carries no GTIN; only products are registered here.")),
    _p(r"Say why: the business and consumers will see it\.",
       N_("Say why, so the business and the public understand.")),
    _p(r"This batch is recalled; a recall is final\.",
       N_("This batch is recalled; a recall is final.")),
    _p(r"This batch was voided by its owner\.", N_("This batch was voided by its owner.")),
    _p(r"This batch is already on hold\.", N_("This batch is already on hold.")),
    _p(r"Only a batch on hold can be released\.", N_("Only a batch on hold can be released.")),
    _p(r"Recall level is one of .*", N_("Choose the recall level.")),
    _p(r"Batch (?P<value>\d+) is not one of .*'s batches\.",
       N_("Choose one of this business's batches.")),
    # labels
    _p(r"This batch is (?P<status>\w+); no new codes can be issued for it\.",
       N_("This batch is not in circulation; no new codes can be issued for it.")),
    _p(r"Issue between 1 and (?P<max>[\d,]+) serials at a time\.",
       N_("Issue between 1 and %(max)s serials at a time.")),
    _p(r"unknown label stock .*", N_("Choose one of the label papers.")),
    # imports
    _p(r"Send a \.csv or \.xlsx file\.", N_("Choose a .csv or .xlsx file.")),
    _p(r"The file has (?P<rows>\d+) rows; at most (?P<max>\d+) can be imported at once\. .*",
       N_("The file has %(rows)s rows; at most %(max)s can be imported at once. "
                    "Split it into several files.")),
    _p(r"The file has a header but no rows\.", N_("The file has a header but no rows.")),
    _p(r"The CSV file is not UTF-8 text; .*",
       N_("The CSV file is not UTF-8 text; save it as 'CSV UTF-8' and try again.")),
    _p(r"The file is empty\.", N_("The file is empty.")),
    _p(r"This is not a readable \.xlsx workbook\.",
       N_("This is not a readable .xlsx workbook.")),
    _p(r"The first sheet is empty\.", N_("The first sheet is empty.")),
    _p(r"GTIN (?P<gtin>\d+) is also on row (?P<row>\d+)\.",
       N_("GTIN %(gtin)s is also on row %(row)s.")),
    _p(r"GTIN (?P<gtin>\d+) is registered by another organization\.",
       N_("GTIN %(gtin)s is registered by another organization.")),
    _p(r"Give the product's GTIN\.", N_("Give the product's GTIN.")),
    _p(r"No such product among your organization's products; import the products first\.",
       N_("No such product among your organization's products; import the products "
                    "first.")),
    _p(r"Lot (?P<lot>.+) of this GTIN is also on row (?P<row>\d+)\.",
       N_("Lot %(lot)s of this GTIN is also on row %(row)s.")),
    _p(r"This lot is registered by another organization\.",
       N_("This lot is registered by another organization.")),
    _p(r"Lot (?P<lot>.+) is (?P<status>\w+) and cannot be changed\.",
       N_("Lot %(lot)s is recalled or void and cannot be changed.")),
]


def translate(message: str) -> str:
    """The message in the visitor's language when we know it; as given otherwise."""
    text = str(message)
    for pattern, template in PATTERNS:
        match = pattern.match(text)
        if match:
            return gettext(template, **match.groupdict())
    return text


def translate_errors(errors: dict | None) -> dict[str, list[str]]:
    """Field → translated messages (nested marshmallow lists are flattened)."""
    result: dict[str, list[str]] = {}
    for field, messages in (errors or {}).items():
        result[str(field)] = [translate(m) for m in _flat(messages)]
    return result


def _flat(messages) -> list[str]:
    if isinstance(messages, dict):
        out = []
        for value in messages.values():
            out.extend(_flat(value))
        return out
    if isinstance(messages, list | tuple):
        out = []
        for value in messages:
            out.extend(_flat(value))
        return out
    return [str(messages)]


def gs1_problem_text(error: gs1.GS1Error, locale: str) -> str:
    """A GS1 library error in the visitor's language (the library carries both)."""
    return "; ".join(p.message_vi if locale == "vi" else p.message for p in error.problems)
