"""Routing by the directory's manager (Entra ID): the reasons shown on the case."""

MESSAGES: dict[str, dict[str, str]] = {
    "nb": {
        "route.reason.directory_manager": "nærmeste leder etter Entra ID (enheten har ingen leder i org.yml)",
        "route.reason.principal_is_manager": "rektor er nærmeste leder etter Entra ID",
    },
    "nn": {
        "route.reason.directory_manager": "nærmaste leiar etter Entra ID (eininga har ingen leiar i org.yml)",
        "route.reason.principal_is_manager": "rektor er nærmaste leiar etter Entra ID",
    },
    "en": {
        "route.reason.directory_manager": "nearest leader in Entra ID (the unit has no leader in org.yml)",
        "route.reason.principal_is_manager": "the principal is the nearest leader in Entra ID",
    },
}
