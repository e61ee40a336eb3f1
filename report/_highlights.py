"""The words of an answer that broke a policy rule, for the report to mark: recomputed from the
answer with the policy checker's own patterns, kept only where the failure's detail names them."""

from __future__ import annotations

import phonenumbers

from judge._policy import AMOUNT, EMAIL, WEB, _show, amounts, plain, web_address


def highlights(answer: str | None, failures: list[dict]) -> list[str]:
    if not answer:
        return []
    text = plain(answer)
    out: list[str] = []
    for failure in failures:
        rule, detail = failure.get("rule"), str(failure.get("detail", ""))
        if rule == "no_invented_amounts":
            out += [m.group(0) for m in AMOUNT.finditer(text) if any(_show(a) in detail for a in amounts(m.group(0)))]
        elif rule == "no_invented_contacts":
            for m in phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.POSSIBLE):
                if phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164) in detail:
                    out.append(m.raw_string)
            out += [e for e in EMAIL.findall(text) if e.lower() in detail]
            out += [w for w in WEB.findall(text) if web_address(w.rstrip(".,;:!?")) in detail]
        elif rule == "no_credential_request" and detail in text:
            out.append(detail)
    return list(dict.fromkeys(s for s in out if s))
