"""Phone numbers as E.164, read the way people write them in Hong Kong (`5555 0199`, `+852 …`)."""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "HK"


def e164(value: str, *, region: str = DEFAULT_REGION) -> str:
    """`value` as an E.164 number (`+85255550199`); ValueError when it is not a possible number."""
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as error:
        raise ValueError("is not a phone number") from error
    # "Possible" (a right length for its country), not "valid": a range the library's copy of the
    # numbering plan does not know yet must still be recordable.
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError("is not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
