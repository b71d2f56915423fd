"""Catalog: the first run from the README: where the CLI finds its database, the Teams package."""

MESSAGES = {
    "nb": {
        "case.earlier": "Tidligere saker om samme elev: {refs}.",
        "case.earlier_hidden": "Tidligere saker om samme elev som du ikke har tilgang til: {count}.",
        "notice.closed.title": (
            "Saken du meldte fra om (sak {ref}) er avsluttet av skolen. Takk for at du meldte fra. "
            "Ser du noe nytt, meld fra igjen."
        ),
        "doctor.key.none_fix": (
            "lag en nøkkel med «meldefra keys new», sett MELDEFRA_ENCRYPTION_KEY og kjør "
            "«meldefra keys rotate» (hold nøkkelen atskilt fra sikkerhetskopiene), eller skriv "
            "policy.plaintext_ok: true i org.yml hvis ukryptert lagring er et bevisst valg"
        ),
        "org.err.plaintext_ok": "{where}: policy.plaintext_ok må være true eller false.",
        "doctor.what.chat": "Chat",
        "doctor.chat.none": "verken Slack eller Teams er satt opp, så ingen ved skolen kan melde fra",
        "doctor.chat.fix": (
            "sett SLACK_BOT_TOKEN (Slack) eller CLIENT_ID (Teams), se README; uten dem kjører "
            "Meldefra bare den lokale konsollen"
        ),
        "cli.no_database": (
            "Fant ingen database i {path}. Kjør kommandoen fra mappen der meldefra.db ligger, "
            "eller sett MELDEFRA_HOME til den mappen (eller DATABASE_URL)."
        ),
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
        "case.earlier": "Tidlegare saker om same eleven: {refs}.",
        "case.earlier_hidden": "Tidlegare saker om same eleven som du ikkje har tilgang til: {count}.",
        "notice.closed.title": (
            "Saka du melde frå om (sak {ref}) er avslutta av skulen. Takk for at du melde frå. "
            "Ser du noko nytt, meld frå igjen."
        ),
        "doctor.key.none_fix": (
            "lag ein nøkkel med «meldefra keys new», set MELDEFRA_ENCRYPTION_KEY og køyr "
            "«meldefra keys rotate» (hald nøkkelen skild frå tryggleikskopiane), eller skriv "
            "policy.plaintext_ok: true i org.yml viss ukryptert lagring er eit medvite val"
        ),
        "org.err.plaintext_ok": "{where}: policy.plaintext_ok må vere true eller false.",
        "doctor.what.chat": "Chat",
        "doctor.chat.none": "verken Slack eller Teams er sett opp, så ingen ved skulen kan melde frå",
        "doctor.chat.fix": (
            "set SLACK_BOT_TOKEN (Slack) eller CLIENT_ID (Teams), sjå README; utan dei køyrer "
            "Meldefra berre den lokale konsollen"
        ),
        "cli.no_database": (
            "Fann ingen database i {path}. Køyr kommandoen frå mappa der meldefra.db ligg, "
            "eller set MELDEFRA_HOME til den mappa (eller DATABASE_URL)."
        ),
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
        "case.earlier": "Earlier cases about the same pupil: {refs}.",
        "case.earlier_hidden": "Earlier cases about the same pupil that you cannot open: {count}.",
        "notice.closed.title": (
            "The case you reported (case {ref}) has been closed by the school. Thank you for "
            "reporting. If you see something new, report again."
        ),
        "doctor.key.none_fix": (
            "make a key with “meldefra keys new”, set MELDEFRA_ENCRYPTION_KEY and run “meldefra "
            "keys rotate” (keep the key apart from the backups), or write policy.plaintext_ok: "
            "true in org.yml if unencrypted storage is a deliberate choice"
        ),
        "org.err.plaintext_ok": "{where}: policy.plaintext_ok must be true or false.",
        "doctor.what.chat": "Chat",
        "doctor.chat.none": "neither Slack nor Teams is set up, so nobody at the school can report",
        "doctor.chat.fix": (
            "set SLACK_BOT_TOKEN (Slack) or CLIENT_ID (Teams), see the README; without them "
            "Meldefra runs only the local console"
        ),
        "cli.no_database": (
            "No database at {path}. Run the command from the folder that holds meldefra.db, "
            "or set MELDEFRA_HOME to that folder (or DATABASE_URL)."
        ),
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
