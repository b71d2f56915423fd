"""Follow-up: morning reminders, escalation, the R-team digest, and the commands that run them."""

MESSAGES: dict[str, dict[str, str]] = {
    "nb": {
        "followup.reminder.title": "God morgen! Dette venter på deg ved {school} {date}:",
        "followup.reminder.footer": "Åpne saken for å se detaljene og handle.",
        "followup.item": "Sak {ref}{facts}: {what}",
        "followup.urgent": "HASTER",
        "followup.school_days.one": "1 skoledag",
        "followup.school_days.many": "{n} skoledager",
        "followup.due.acknowledge": "ikke bekreftet mottatt – meldt {since} ({days} siden)",
        "followup.due.escalated": (
            "ESKALERT: ikke bekreftet mottatt i tide – meldt {since} ({days} siden). "
            "Sørg for at saken blir fulgt opp."
        ),
        "followup.due.plan": (
            "undersøkes uten aktivitetsplan – undersøkelsen startet {since} ({days} siden)"
        ),
        "followup.due.tiltak": "tiltak skal gjennomføres {since}",
        "followup.due.evaluation": "evaluering skal holdes {since}",
        "digest.title": "R-team-oversikt for {school}, {date}",
        "digest.new": "Nye meldinger siden {since}: {count}",
        "digest.open": "Åpne saker: {summary}",
        "digest.overdue": "På overtid: {count}",
        "digest.upcoming": "Kommende evalueringer: {count}",
        "digest.footer": (
            "Her står bare saksnummer, enhet og kategori. Åpne en sak for detaljene; det "
            "krever tilgang, og åpningen logges."
        ),
    },
    "nn": {
        "followup.reminder.title": "God morgon! Dette ventar på deg ved {school} {date}:",
        "followup.reminder.footer": "Opne saka for å sjå detaljane og handle.",
        "followup.item": "Sak {ref}{facts}: {what}",
        "followup.urgent": "HASTAR",
        "followup.school_days.one": "1 skuledag",
        "followup.school_days.many": "{n} skuledagar",
        "followup.due.acknowledge": "ikkje stadfesta motteken – meldt {since} ({days} sidan)",
        "followup.due.escalated": (
            "ESKALERT: ikkje stadfesta motteken i tide – meldt {since} ({days} sidan). "
            "Sørg for at saka blir følgd opp."
        ),
        "followup.due.plan": (
            "blir undersøkt utan aktivitetsplan – undersøkinga starta {since} ({days} sidan)"
        ),
        "followup.due.tiltak": "tiltak skal gjennomførast {since}",
        "followup.due.evaluation": "evaluering skal haldast {since}",
        "digest.title": "R-team-oversikt for {school}, {date}",
        "digest.new": "Nye meldingar sidan {since}: {count}",
        "digest.open": "Opne saker: {summary}",
        "digest.overdue": "På overtid: {count}",
        "digest.upcoming": "Komande evalueringar: {count}",
        "digest.footer": (
            "Her står berre saksnummer, eining og kategori. Opne ei sak for detaljane; det "
            "krev tilgang, og opninga blir logga."
        ),
    },
    "en": {
        "followup.reminder.title": "Good morning! Waiting for you at {school} on {date}:",
        "followup.reminder.footer": "Open the case to see the details and act.",
        "followup.item": "Case {ref}{facts}: {what}",
        "followup.urgent": "URGENT",
        "followup.school_days.one": "1 school day",
        "followup.school_days.many": "{n} school days",
        "followup.due.acknowledge": "not acknowledged – reported {since} ({days} ago)",
        "followup.due.escalated": (
            "ESCALATED: not acknowledged in time – reported {since} ({days} ago). "
            "Make sure the case is followed up."
        ),
        "followup.due.plan": (
            "under investigation without an aktivitetsplan – investigation started {since} "
            "({days} ago)"
        ),
        "followup.due.tiltak": "tiltak (measure) to be carried out {since}",
        "followup.due.evaluation": "evaluation to be held {since}",
        "digest.title": "R-team overview for {school}, {date}",
        "digest.new": "New reports since {since}: {count}",
        "digest.open": "Open cases: {summary}",
        "digest.overdue": "Overdue: {count}",
        "digest.upcoming": "Evaluations coming up: {count}",
        "digest.footer": (
            "Only case numbers, units and categories are shown here. Open a case for the "
            "details; that needs access, and the opening is logged."
        ),
    },
}
