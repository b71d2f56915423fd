"""Words for checking a field as it is typed (bot.core.checks), in every edge."""

MESSAGES: dict[str, dict[str, str]] = {
    "nb": {
        "hint.understood": "Forstått: {when}",
        "hint.not_a_date": "Ikke en dato: lagres slik du skrev det, uten påminnelse.",
        "chat.form.check": "Sjekk svarene",
        "console.words.back": "tilbake,forrige",
        "console.back.first": "Dette er det første spørsmålet. «avbryt» går ut av skjemaet.",
    },
    "nn": {
        "hint.understood": "Forstått: {when}",
        "hint.not_a_date": "Ikkje ein dato: blir lagra slik du skreiv det, utan påminning.",
        "chat.form.check": "Sjekk svara",
        "console.words.back": "tilbake,førre",
        "console.back.first": "Dette er det første spørsmålet. «avbryt» går ut av skjemaet.",
    },
    "en": {
        "hint.understood": "Understood: {when}",
        "hint.not_a_date": "Not a date: kept as you typed it, with no reminder.",
        "chat.form.check": "Check the answers",
        "console.words.back": "back,previous",
        "console.back.first": "This is the first question. «cancel» leaves the form.",
    },
}
