"""§ 12-5 by the hour (reminders counted in the school's working hours, skoleeier brought in
when rektor holds the case and does not act) and the confirmed forward of a § 12-5 case.

The hours are the school's own routine (org.yml policy.urgent_reminder_hours), not a legal
deadline: the texts say "skolens rutine", never that the law sets the hours."""

MESSAGES = {
    "nb": {
        "doc.tl.forwarded.confirmed": "{who} videresendte saken til {to} (§ 12-5-sak, bekreftet før den ble sendt)",
        "doc.tl.escalated.hours": "Saken var ikke bekreftet mottatt etter {hours} arbeidstimer (skolens rutine) og ble løftet til {to}",
        "org.err.urgent_reminder_hours": "{where}: policy.urgent_reminder_hours må være et helt tall fra 1 til 40.",
        "duty.hours.one": "1 arbeidstime",
        "duty.hours.many": "{n} arbeidstimer",
        "duty.urgent.title.holder": "Sak {ref} (§ 12-5) er ikke bekreftet mottatt, {hours} etter at den kom inn.",
        "duty.urgent.title.owner": "Sak {ref} (§ 12-5) er ikke bekreftet mottatt av rektor etter {hours}. Skoleeier har nå fått saken.",
        "duty.urgent.policy": "Skolens rutine: ny påminnelse hver gang det har gått {every}, til saken er bekreftet mottatt.",
        "duty.forward.confirm": "Dette er en § 12-5-sak. Er du sikker?",
        "duty.forward.confirm.yes": "Ja, videresend saken",
        "duty.forward.confirm.hint": "Saken gjelder en som arbeider på skolen. Den sendes aldri til noen i samme enhet som den saken gjelder.",
        "duty.forward.confirm_needed": "Sak {ref} er en § 12-5-sak: kryss av for at du er sikker før den videresendes.",
    },
    "nn": {
        "doc.tl.forwarded.confirmed": "{who} sende saka vidare til {to} (§ 12-5-sak, stadfesta før ho vart send)",
        "doc.tl.escalated.hours": "Saka var ikkje stadfesta motteken etter {hours} arbeidstimar (rutinen på skulen) og vart løfta til {to}",
        "org.err.urgent_reminder_hours": "{where}: policy.urgent_reminder_hours må vere eit heilt tal frå 1 til 40.",
        "duty.hours.one": "1 arbeidstime",
        "duty.hours.many": "{n} arbeidstimar",
        "duty.urgent.title.holder": "Sak {ref} (§ 12-5) er ikkje stadfesta motteken, {hours} etter at ho kom inn.",
        "duty.urgent.title.owner": "Sak {ref} (§ 12-5) er ikkje stadfesta motteken av rektor etter {hours}. Skoleeigar har no fått saka.",
        "duty.urgent.policy": "Rutinen på skulen: ny påminning kvar gong det har gått {every}, til saka er stadfesta motteken.",
        "duty.forward.confirm": "Dette er ei § 12-5-sak. Er du sikker?",
        "duty.forward.confirm.yes": "Ja, send saka vidare",
        "duty.forward.confirm.hint": "Saka gjeld ein som arbeider på skulen. Ho blir aldri send til nokon i same eining som den saka gjeld.",
        "duty.forward.confirm_needed": "Sak {ref} er ei § 12-5-sak: kryss av for at du er sikker før ho blir send vidare.",
    },
    "en": {
        "doc.tl.forwarded.confirmed": "{who} forwarded the case to {to} (a § 12-5 case, confirmed before it was sent)",
        "doc.tl.escalated.hours": "The case was not acknowledged after {hours} working hours (the school's routine) and was raised to {to}",
        "org.err.urgent_reminder_hours": "{where}: policy.urgent_reminder_hours must be a whole number from 1 to 40.",
        "duty.hours.one": "1 working hour",
        "duty.hours.many": "{n} working hours",
        "duty.urgent.title.holder": "Case {ref} (§ 12-5) has not been acknowledged, {hours} after it came in.",
        "duty.urgent.title.owner": "Case {ref} (§ 12-5) has not been acknowledged by the principal after {hours}. The school owner now has the case.",
        "duty.urgent.policy": "The school's routine: a new reminder every {every} until the case is acknowledged.",
        "duty.forward.confirm": "This is a § 12-5 case. Are you sure?",
        "duty.forward.confirm.yes": "Yes, forward the case",
        "duty.forward.confirm.hint": "The case concerns someone who works at the school. It is never forwarded to anyone in that person's own unit.",
        "duty.forward.confirm_needed": "Case {ref} is a § 12-5 case: tick that you are sure before it is forwarded.",
    },
}
