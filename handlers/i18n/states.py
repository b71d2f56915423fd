"""The case state machine's words (handlers/states.py) and marking a tiltak carried out."""

MESSAGES: dict[str, dict[str, str]] = {
    "nb": {
        "refused.state": "Det kan ikke gjøres med sak {ref} nå.",
        "plan.field.tiltak_done": "Hvilket tiltak er gjennomført?",
    },
    "nn": {
        "refused.state": "Det kan ikkje gjerast med sak {ref} no.",
        "plan.field.tiltak_done": "Kva tiltak er gjennomført?",
    },
    "en": {
        "refused.state": "That cannot be done with case {ref} now.",
        "plan.field.tiltak_done": "Which measure was carried out?",
    },
}
