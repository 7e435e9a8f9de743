"""The standard documents of listing cases and repair cases, issued through core.documents.

Each transition that hands the entity a document (the reminder, the listing decision, the notices and decisions of
a repair case) calls one function here inside its own transaction, so that a failed transition issues nothing.
"""
from __future__ import annotations


def issue_for_listing(case, code: str, by, on):
    """Issue the listing step's document; wired to core.documents once its templates are seeded."""
    return None


def issue_for_repair(case, code: str, by, on):
    """Issue the repair step's document; wired to core.documents once its templates are seeded."""
    return None
