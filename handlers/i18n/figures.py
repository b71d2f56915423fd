"""Disclosure control of the published figures: which periods may be asked for, who the
monthly report goes to, and the summary without a median school."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "nb": {
        "figures.error.period": (
            "Tall vises bare for en hel måned, et helt halvår (1.8.–31.12. eller 1.1.–31.7.) "
            "eller et helt skoleår (1.8.–31.7.) som er slutt. To perioder som skiller seg med noen "
            "få dager, ville røpe meldingene mellom dem. Forrige måned: --from {month_from} "
            "--to {month_to}."
        ),
        "figures.monthly.to.rektor": "  → rektor: {who}",
        "figures.monthly.to.owner": "  → skoleeier: {who}",
        "figures.summary.reports": "Nye meldinger: {value}.",
        "figures.org.rektor_not_in_rteam": (
            "Advarsel: {school}: rektor {who} er ikke med i R-teamet (rteam.members). Rektor har "
            "ansvaret for sakene og bør være med; legg rektor til, eller sjekk at det er meningen."
        ),
    },
    "nn": {
        "figures.error.period": (
            "Tal blir viste berre for ein heil månad, eit heilt halvår (1.8.–31.12. eller "
            "1.1.–31.7.) eller eit heilt skuleår (1.8.–31.7.) som er slutt. To periodar som skil "
            "seg med nokre få dagar, ville røpe meldingane mellom dei. Førre månad: --from "
            "{month_from} --to {month_to}."
        ),
        "figures.monthly.to.rektor": "  → rektor: {who}",
        "figures.monthly.to.owner": "  → skoleeigar: {who}",
        "figures.summary.reports": "Nye meldingar: {value}.",
        "figures.org.rektor_not_in_rteam": (
            "Åtvaring: {school}: rektor {who} er ikkje med i R-teamet (rteam.members). Rektor har "
            "ansvaret for sakene og bør vere med; legg rektor til, eller sjekk at det er meininga."
        ),
    },
    "en": {
        "figures.error.period": (
            "Figures are shown only for a whole month, a whole term (1 Aug–31 Dec or 1 Jan–31 "
            "Jul) or a whole school year (1 Aug–31 Jul) that has ended. Two periods a few days "
            "apart would give away the reports between them. Last month: --from {month_from} "
            "--to {month_to}."
        ),
        "figures.monthly.to.rektor": "  → principal: {who}",
        "figures.monthly.to.owner": "  → school owner: {who}",
        "figures.summary.reports": "New reports: {value}.",
        "figures.org.rektor_not_in_rteam": (
            "Warning: {school}: the principal {who} is not in the R-team (rteam.members). The "
            "principal is responsible for the cases and should be in it; add them, or check that "
            "this is intended."
        ),
    },
}
