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
    },
}
