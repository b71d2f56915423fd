"""Texts for the Microsoft Teams edge (the "chat.*" keys serve Slack and Teams alike), the
routing reasons that come from the Entra ID directory, and what `meldefra teams package`
(bot/teams/package.py) says about its settings."""

MESSAGES: dict[str, dict[str, str]] = {
    "nb": {
        "teams.export.offer": "Eksporten {name} venter i din personlige chat med Meldefra: godta filen der, så legges den i OneDrive-en din.",
        "teams.export.consent": "{name} fra Meldefra, til din OneDrive",
        "teams.export.uploaded": "{name} er lagret i OneDrive-en din.",
        "teams.export.gone": "Denne filen er ikke tilgjengelig lenger. Eksporter saken på nytt.",
        "teams.export.no_chat": "Eksporten kan bare sendes til din personlige chat med Meldefra. Åpne den og eksporter på nytt.",
        "teams.personal_only": "Det svarer jeg bare på i din personlige chat med Meldefra, så ingen andre ser det. Skriv til meg der.",
        "teams.help": (
            "**Meld fra** åpner skjemaet når du tror en elev ikke har det trygt og godt på skolen. "
            "Du kan også skrive «meld fra» og det som skjedde, eller velge *Meld fra* i "
            "meldingsmenyen (…) på en melding.\n\n"
            "- **mine** viser status på dine meldinger.\n"
            "- **hjelp** viser denne teksten.\n\n"
            "Meldingen går til nærmeste leder og rektor. Gjelder det noen som arbeider på skolen, "
            "går den rett til rektor, eller til skoleeier når det gjelder noen i skolens ledelse "
            "(§ 12-5). Ingen elevnavn eller fritekst sendes i kanaler."
        ),
        "teams.start.text": "Meld fra når du tror en elev ikke har det trygt og godt på skolen.",
        "teams.form.fix": "Rett det som er merket under. Det du skrev er tatt vare på.",
        "teams.forward.choose": "Velg hvem saken skal videresendes til.",
        "cli.teams_package": "Teams-pakken er skrevet til {path} (app-id {app_id}, domene {domain}). Last den opp i Teams admin center → Teams-apper → Administrer apper → Last opp ny app.",
        "teams.error.unknown_user": "Fant ikke e-postadressen din i Teams. Be IT om å sjekke kontoen din.",
        "teams.package.client_id": (
            "Sett CLIENT_ID til botens app-id fra Entra ID (en GUID, for eksempel "
            "«00000000-0000-0000-0000-000000000000») før du lager pakken; nå er den «{value}»."
        ),
        "teams.package.domain": (
            "Sett TEAMS_BOT_DOMAIN (eller --domain) til vertsnavnet boten nås på, for eksempel "
            "meldefra.kommune.no, uten sti; nå er det «{value}»."
        ),
        "teams.package.version": "Versjonen må se ut som 1.0.0, ikke «{value}».",
        "teams.package.url": (
            "{setting} må være en https-adresse, for eksempel https://kommune.no/personvern; "
            "nå er den «{value}»."
        ),
        "teams.package.icon": "{name} må være {width}×{height} piksler.",
        "teams.package.pages": (
            "Personvernerklæring: {privacy}\nBruksvilkår: {terms}\nTeams viser disse lenkene i "
            "appens detaljer: sørg for at sidene finnes (eller sett TEAMS_PRIVACY_URL og "
            "TEAMS_TERMS_URL til kommunens egne sider)."
        ),
    },
    "nn": {
        "teams.export.offer": "Eksporten {name} ventar i den personlege chatten din med Meldefra: godta fila der, så blir ho lagd i OneDrive-en din.",
        "teams.export.consent": "{name} frå Meldefra, til OneDrive-en din",
        "teams.export.uploaded": "{name} er lagra i OneDrive-en din.",
        "teams.export.gone": "Denne fila er ikkje tilgjengeleg lenger. Eksporter saka på nytt.",
        "teams.export.no_chat": "Eksporten kan berre sendast til den personlege chatten din med Meldefra. Opne han og eksporter på nytt.",
        "teams.personal_only": "Det svarar eg berre på i den personlege chatten din med Meldefra, så ingen andre ser det. Skriv til meg der.",
        "teams.help": (
            "**Meld frå** opnar skjemaet når du trur ein elev ikkje har det trygt og godt på skulen. "
            "Du kan òg skrive «meld frå» og det som skjedde, eller velje *Meld frå* i "
            "meldingsmenyen (…) på ei melding.\n\n"
            "- **mine** viser status på meldingane dine.\n"
            "- **hjelp** viser denne teksten.\n\n"
            "Meldinga går til nærmaste leiar og rektor. Gjeld det nokon som arbeider på skulen, "
            "går ho rett til rektor, eller til skoleeigar når det gjeld nokon i leiinga på "
            "skulen (§ 12-5). Ingen elevnamn eller fritekst blir sende i kanalar."
        ),
        "teams.start.text": "Meld frå når du trur ein elev ikkje har det trygt og godt på skulen.",
        "teams.form.fix": "Rett det som er merkt under. Det du skreiv er teke vare på.",
        "teams.forward.choose": "Vel kven saka skal vidaresendast til.",
        "cli.teams_package": "Teams-pakka er skriven til {path} (app-id {app_id}, domene {domain}). Last ho opp i Teams admin center → Teams-appar → Administrer appar → Last opp ny app.",
        "teams.error.unknown_user": "Fann ikkje e-postadressa di i Teams. Be IT om å sjekke kontoen din.",
        "teams.package.client_id": (
            "Set CLIENT_ID til app-id-en til boten frå Entra ID (ein GUID, til dømes "
            "«00000000-0000-0000-0000-000000000000») før du lagar pakken; no er han «{value}»."
        ),
        "teams.package.domain": (
            "Set TEAMS_BOT_DOMAIN (eller --domain) til vertsnamnet boten blir nådd på, til dømes "
            "meldefra.kommune.no, utan sti; no er det «{value}»."
        ),
        "teams.package.version": "Versjonen må sjå ut som 1.0.0, ikkje «{value}».",
        "teams.package.url": (
            "{setting} må vere ei https-adresse, til dømes https://kommune.no/personvern; "
            "no er ho «{value}»."
        ),
        "teams.package.icon": "{name} må vere {width}×{height} pikslar.",
        "teams.package.pages": (
            "Personvernerklæring: {privacy}\nBruksvilkår: {terms}\nTeams viser desse lenkjene i "
            "detaljane til appen: sjå til at sidene finst (eller set TEAMS_PRIVACY_URL og "
            "TEAMS_TERMS_URL til dei eigne sidene til kommunen)."
        ),
    },
    "en": {
        "teams.export.offer": "The export {name} is waiting in your personal chat with Meldefra: accept the file there and it is saved to your OneDrive.",
        "teams.export.consent": "{name} from Meldefra, to your OneDrive",
        "teams.export.uploaded": "{name} is saved to your OneDrive.",
        "teams.export.gone": "This file is no longer available. Export the case again.",
        "teams.export.no_chat": "An export can only be sent to your personal chat with Meldefra. Open it and export again.",
        "teams.personal_only": "I answer that only in your personal chat with Meldefra, so nobody else sees it. Write to me there.",
        "teams.help": (
            "**Report a concern** opens the form when you believe a pupil does not have a safe and "
            "good school environment. You can also write “meld fra” and what happened, or choose "
            "*Meld fra* in the message menu (…) of a message.\n\n"
            "- **mine** shows the status of your reports.\n"
            "- **help** shows this text.\n\n"
            "The report goes to your nearest leader and the principal. If it is about someone who "
            "works at the school, it goes straight to the principal, or to the school owner when "
            "it concerns someone in the school's leadership (§ 12-5). No pupil names or free "
            "text are ever posted in channels."
        ),
        "teams.start.text": "Report when you believe a pupil does not have a safe and good school environment.",
        "teams.form.fix": "Correct what is marked below. What you wrote has been kept.",
        "teams.forward.choose": "Choose who the case should be forwarded to.",
        "cli.teams_package": "The Teams package is written to {path} (app id {app_id}, domain {domain}). Upload it in the Teams admin center → Teams apps → Manage apps → Upload new app.",
        "teams.error.unknown_user": "Could not find your e-mail address in Teams. Ask IT to check your account.",
        "teams.package.client_id": (
            "Set CLIENT_ID to the bot's app id from Entra ID (a GUID such as "
            "“00000000-0000-0000-0000-000000000000”) before building the package; now it is "
            "“{value}”."
        ),
        "teams.package.domain": (
            "Set TEAMS_BOT_DOMAIN (or --domain) to the host name the bot is reached at, such as "
            "meldefra.kommune.no, without a path; now it is “{value}”."
        ),
        "teams.package.version": "The version must look like 1.0.0, not “{value}”.",
        "teams.package.url": (
            "{setting} must be an https address such as https://kommune.no/privacy; now it is "
            "“{value}”."
        ),
        "teams.package.icon": "{name} must be {width}×{height} pixels.",
        "teams.package.pages": (
            "Privacy statement: {privacy}\nTerms of use: {terms}\nTeams shows these links in the "
            "app's details: make sure the pages exist (or set TEAMS_PRIVACY_URL and "
            "TEAMS_TERMS_URL to the municipality's own pages)."
        ),
    },
}
