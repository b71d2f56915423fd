"""The municipality's sakarkiv through KS Fiks Arkiv: arkivmeldinger (arkivmelding.py) and
the journal of a case (journal.py). The transport (Fiks IO) is an edge: bot/fiks/."""
