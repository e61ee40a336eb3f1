"""What a retrieval index holds: every section passage of the domain's policy sheet (rendered with
its facts, the same text grounded questions show as evidence) and any extra documents the domain
declares in documents.yaml, one passage each."""

from __future__ import annotations

from synth import Domain, DomainError


def passages(domain: Domain) -> list[dict]:
    """[{"id", "title", "text", "section"}]: policy sections first (section = its id), then documents
    (section None). A domain with none is a DomainError naming policy.yaml."""
    out = [
        {"id": f"policy:{sid}", "title": section.title, "text": section.passage, "section": sid}
        for sid, section in domain.policy.sections.items()
        if section.passage.strip()
    ]
    out += [{"id": f"document:{d['id']}", "title": d["title"], "text": d["text"], "section": None}
            for d in domain.documents]  # fmt: skip
    if not out and not domain.has_policy:
        raise DomainError(domain.root / "domain.yaml", "nothing to retrieve: no policy sheet and no documents.yaml")
    if not out:
        raise DomainError(domain.root / "policy.yaml", "has no passages to retrieve (every section's passage is empty)")
    return out
