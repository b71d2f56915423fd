"""Chat texts for the Slack and Teams edges: modals, buttons, App Home, help."""

MESSAGES: dict[str, dict[str, str]] = {
    "nb": {
        "teams.form.accused_placeholder": "Velg den ansatte",
        "teams.filed": "Takk. Meldingen er registrert som {ref}. Kvitteringen kommer i chatten med Meldefra.",
        "chat.shortcut.unreadable": "Meldefra kan ikke lese meldingen (den er i en privat kanal eller samtale boten ikke er med i). Skriv selv hva som skjedde.",
        "chat.shortcut.cut": "Meldingen var lengre enn {max} tegn, så slutten er tatt bort. Lenken til meldingen står under «Hvor?».",
        "chat.more": "… og {count} til.",
        "chat.more_cases": "… og {count} saker til: se alle i Meldefra-appen (Hjem).",
        "chat.cases.title": "Saker som venter på deg:",
        "chat.export.working": "Lager filen … Den kommer i en privat melding om litt.",
        "chat.modal.title": "Meld fra",
        "chat.modal.submit": "Send",
        "chat.modal.cancel": "Avbryt",
        "chat.modal.intro": "Du melder fra til skolens ledelse (opplæringslova § 12-4). Bare elev og hva som skjedde må fylles ut.",
        "chat.modal.school_hint": "Velg skolen hvis du jobber på flere eller ikke er registrert.",
        "chat.modal.accused_hint": "§ 12-5: saken går rett til rektor (eller skoleeier), aldri til den det gjelder.",
        "chat.close.title": "Avslutt sak",
        "chat.close.submit": "Avslutt",
        "chat.case.title": "Sak {ref}",
        "chat.case.close_modal": "Lukk",
        "chat.case.state": "Status: {status}",
        "chat.case.last_action": "{action} av {who}",
        "chat.case.pupils": "Elev(er)",
        "chat.case.what": "Hva skjedde",
        "chat.case.reporter": "Meldt av",
        "chat.case.handlers": "Har saken",
        "chat.case.no_text": "(fjernet fra boten etter arkivering)",
        "chat.help": (
            "*/meldefra* åpner skjemaet for å melde fra når du tror en elev ikke har det trygt "
            "og godt på skolen.\n• */meldefra <tekst>* fyller inn «hva skjedde».\n"
            "• */meldefra mine* viser status på dine meldinger.\n"
            "• */meldefra saker* viser sakene som venter på deg.\n"
            "Meldingen går til nærmeste leder og rektor. Gjelder det noen som arbeider på skolen, "
            "går den rett til rektor, eller til skoleeier når det gjelder noen i skolens ledelse "
            "(§ 12-5). Ingen elevnavn eller fritekst sendes i kanaler."
        ),
        "chat.mine.title": "Dine meldinger:",
        "chat.mine.none": "Du har ikke meldt fra om noe ennå.",
        "chat.mine.line": "{ref} – {status} (meldt {date})",
        "chat.home.title": "Meldefra",
        "chat.home.waiting": "Saker som venter på deg",
        "chat.home.mine": "Dine meldinger",
        "chat.home.none": "Ingen.",
        "chat.home.new_report": "Meld fra",
        "chat.error.unknown_user": "Fant ikke e-postadressen din i Slack. Be IT om å sjekke profilen din.",
        "chat.error.try_again": "Noe gikk galt hos oss. Det du skrev er ikke sendt; prøv igjen om litt.",
        "chat.error.not_in_org": "Du er ikke registrert på noen skole i Meldefra. Velg skole i skjemaet.",
        "chat.forward.placeholder": "Videresend til …",
        # A date read from words, said back by bot/core/forms.py on every edge (the name is old).
        "console.plan.understood": "{field}: forstått som {when}",
    },
    "nn": {
        "teams.form.accused_placeholder": "Vel den tilsette",
        "teams.filed": "Takk. Meldinga er registrert som {ref}. Kvitteringa kjem i chatten med Meldefra.",
        "chat.shortcut.unreadable": "Meldefra kan ikkje lese meldinga (ho er i ein privat kanal eller samtale boten ikkje er med i). Skriv sjølv kva som skjedde.",
        "chat.shortcut.cut": "Meldinga var lengre enn {max} teikn, så slutten er teken bort. Lenka til meldinga står under «Kvar?».",
        "chat.more": "… og {count} til.",
        "chat.more_cases": "… og {count} saker til: sjå alle i Meldefra-appen (Heim).",
        "chat.cases.title": "Saker som ventar på deg:",
        "chat.export.working": "Lagar fila … Ho kjem i ei privat melding om litt.",
        "chat.modal.title": "Meld frå",
        "chat.modal.submit": "Send",
        "chat.modal.cancel": "Avbryt",
        "chat.modal.intro": "Du melder frå til leiinga på skulen (opplæringslova § 12-4). Berre elev og kva som skjedde må fyllast ut.",
        "chat.modal.school_hint": "Vel skulen dersom du jobbar på fleire eller ikkje er registrert.",
        "chat.modal.accused_hint": "§ 12-5: saka går rett til rektor (eller skoleeigar), aldri til den det gjeld.",
        "chat.close.title": "Avslutt sak",
        "chat.close.submit": "Avslutt",
        "chat.case.title": "Sak {ref}",
        "chat.case.close_modal": "Lukk",
        "chat.case.state": "Status: {status}",
        "chat.case.last_action": "{action} av {who}",
        "chat.case.pupils": "Elev(ar)",
        "chat.case.what": "Kva skjedde",
        "chat.case.reporter": "Meldt av",
        "chat.case.handlers": "Har saka",
        "chat.case.no_text": "(fjerna frå boten etter arkivering)",
        "chat.help": (
            "*/meldefra* opnar skjemaet for å melde frå når du trur ein elev ikkje har det trygt "
            "og godt på skulen.\n• */meldefra <tekst>* fyller inn «kva skjedde».\n"
            "• */meldefra mine* viser status på meldingane dine.\n"
            "• */meldefra saker* viser sakene som ventar på deg.\n"
            "Meldinga går til nærmaste leiar og rektor. Gjeld det nokon som arbeider på skulen, "
            "går ho rett til rektor, eller til skoleeigar når det gjeld nokon i leiinga på "
            "skulen (§ 12-5). Ingen elevnamn eller fritekst blir sende i kanalar."
        ),
        "chat.mine.title": "Meldingane dine:",
        "chat.mine.none": "Du har ikkje meldt frå om noko enno.",
        "chat.mine.line": "{ref} – {status} (meld {date})",
        "chat.home.title": "Meldefra",
        "chat.home.waiting": "Saker som ventar på deg",
        "chat.home.mine": "Meldingane dine",
        "chat.home.none": "Ingen.",
        "chat.home.new_report": "Meld frå",
        "chat.error.unknown_user": "Fann ikkje e-postadressa di i Slack. Be IT sjekke profilen din.",
        "chat.error.try_again": "Noko gjekk gale hos oss. Det du skreiv er ikkje sendt; prøv igjen om litt.",
        "chat.error.not_in_org": "Du er ikkje registrert på nokon skule i Meldefra. Vel skule i skjemaet.",
        "chat.forward.placeholder": "Vidaresend til …",
        "console.plan.understood": "{field}: forstått som {when}",
    },
    "en": {
        "teams.form.accused_placeholder": "Choose the employee",
        "teams.filed": "Thank you. The report is registered as {ref}. The receipt comes in the chat with Meldefra.",
        "chat.shortcut.unreadable": "Meldefra cannot read the message (it is in a private channel or conversation the bot is not in). Write what happened yourself.",
        "chat.shortcut.cut": "The message was longer than {max} characters, so its end was left out. The link to the message is under “Where?”.",
        "chat.more": "… and {count} more.",
        "chat.more_cases": "… and {count} more cases: see them all in the Meldefra app (Home).",
        "chat.cases.title": "Cases waiting for you:",
        "chat.export.working": "Making the file … It will come in a direct message shortly.",
        "chat.modal.title": "Report a concern",
        "chat.modal.submit": "Send",
        "chat.modal.cancel": "Cancel",
        "chat.modal.intro": "You are reporting to the school's leadership (Education Act § 12-4). Only the pupil and what happened are required.",
        "chat.modal.school_hint": "Choose the school if you work at several or are not registered.",
        "chat.modal.accused_hint": "§ 12-5: the case goes straight to the principal (or school owner), never to the person concerned.",
        "chat.close.title": "Close case",
        "chat.close.submit": "Close",
        "chat.case.title": "Case {ref}",
        "chat.case.close_modal": "Close",
        "chat.case.state": "Status: {status}",
        "chat.case.last_action": "{action} by {who}",
        "chat.case.pupils": "Pupil(s)",
        "chat.case.what": "What happened",
        "chat.case.reporter": "Reported by",
        "chat.case.handlers": "Handled by",
        "chat.case.no_text": "(removed from the bot after archiving)",
        "chat.help": (
            "*/meldefra* opens the form to report when you believe a pupil does not have a safe "
            "and good school environment.\n• */meldefra <text>* fills in “what happened”.\n"
            "• */meldefra mine* shows the status of your reports.\n"
            "• */meldefra cases* shows the cases waiting for you.\n"
            "The report goes to your nearest leader and the principal. If it is about someone who "
            "works at the school, it goes straight to the principal, or to the school owner when "
            "it concerns someone in the school's leadership (§ 12-5). No pupil names or free "
            "text are ever posted in channels."
        ),
        "chat.mine.title": "Your reports:",
        "chat.mine.none": "You have not reported anything yet.",
        "chat.mine.line": "{ref} – {status} (reported {date})",
        "chat.home.title": "Meldefra",
        "chat.home.waiting": "Cases waiting for you",
        "chat.home.mine": "Your reports",
        "chat.home.none": "None.",
        "chat.home.new_report": "Report a concern",
        "chat.error.unknown_user": "Could not find your e-mail address in Slack. Ask IT to check your profile.",
        "chat.error.try_again": "Something went wrong on our side. Nothing was sent; please try again shortly.",
        "chat.error.not_in_org": "You are not registered at any school in Meldefra. Choose the school in the form.",
        "chat.forward.placeholder": "Forward to …",
        "console.plan.understood": "{field}: understood as {when}",
    },
}
