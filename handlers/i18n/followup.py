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
        "cli.round.ran.reminders": "{school}: påminnelser for {period} lagt i kø for sending: {count}.",
        "cli.round.ran.digest": "{school}: R-team-oversikten for {period} er lagt i kø for sending: {count}.",
        "cli.round.escalated": "{school}: eskalert fordi de ikke er bekreftet mottatt: {refs}.",
        "cli.round.already": "{school}: runden for {period} er allerede kjørt.",
        "cli.round.not_due.reminders": "{school}: ikke en skoledag. Neste runde: {next}.",
        "cli.round.not_due.digest": "{school}: R-teamet har ingen oversikt satt opp (rteam.digest).",
        "cli.round.dry_run": "{school}: prøvekjøring for {period}, ingenting sendes. Dette ville blitt sendt:",
        "cli.round.nothing": "{school}: ingenting å sende for {period}.",
        "cli.round.to": "til {who}",
        "cli.unknown_school": "Ukjent skole: {school}.",
        "cli.bad_at": "--at må skrives som «ÅÅÅÅ-MM-DD TT:MM», for eksempel «2026-11-26 08:00».",
        "console.menu.followup": "Kjør påminnelser nå",
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
        "cli.round.ran.reminders": "{school}: påminningar for {period} lagde i kø for sending: {count}.",
        "cli.round.ran.digest": "{school}: R-team-oversikta for {period} er lagd i kø for sending: {count}.",
        "cli.round.escalated": "{school}: eskalert fordi dei ikkje er stadfesta mottekne: {refs}.",
        "cli.round.already": "{school}: runden for {period} er allereie køyrd.",
        "cli.round.not_due.reminders": "{school}: ikkje ein skuledag. Neste runde: {next}.",
        "cli.round.not_due.digest": "{school}: R-teamet har inga oversikt sett opp (rteam.digest).",
        "cli.round.dry_run": "{school}: prøvekøyring for {period}, ingenting blir sendt. Dette ville blitt sendt:",
        "cli.round.nothing": "{school}: ingenting å sende for {period}.",
        "cli.round.to": "til {who}",
        "cli.unknown_school": "Ukjend skule: {school}.",
        "cli.bad_at": "--at må skrivast som «ÅÅÅÅ-MM-DD TT:MM», til dømes «2026-11-26 08:00».",
        "console.menu.followup": "Køyr påminningar no",
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
        "cli.round.ran.reminders": "{school}: reminders for {period} queued for sending: {count}.",
        "cli.round.ran.digest": "{school}: the R-team overview for {period} is queued for sending: {count}.",
        "cli.round.escalated": "{school}: escalated as not acknowledged in time: {refs}.",
        "cli.round.already": "{school}: the round for {period} has already run.",
        "cli.round.not_due.reminders": "{school}: not a school day. Next round: {next}.",
        "cli.round.not_due.digest": "{school}: the R-team has no overview set up (rteam.digest).",
        "cli.round.dry_run": "{school}: dry run for {period}, nothing is sent. This would be sent:",
        "cli.round.nothing": "{school}: nothing to send for {period}.",
        "cli.round.to": "to {who}",
        "cli.unknown_school": "Unknown school: {school}.",
        "cli.bad_at": '--at must be written as "YYYY-MM-DD HH:MM", e.g. "2026-11-26 08:00".',
        "console.menu.followup": "Run reminders now",
    },
}
