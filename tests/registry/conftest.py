from tests.registry.supervision_fixtures import (  # noqa: F401
    admin_user,
    court,
    court_user,
    revoked_entity,
    tax,
    tax_user,
)
