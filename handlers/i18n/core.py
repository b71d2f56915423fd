"""Reports, routing, leader actions and their notices."""

MESSAGES: dict[str, dict[str, str]] = {
    "nb": {
        "app.name": "Meldefra",
        "role.leader": "nærmeste leder",
        "role.rektor": "rektor",
        "role.owner": "skoleeier",
        "role.forwarded": "leder saken er videresendt til",
        "role.reporter": "den som meldte fra",
        "route.reason.nearest_leader": "nærmeste leder for {unit}",
        "route.reason.rektor_always": "rektor skal alltid informeres",
        "route.reason.no_unit": "melderen hører ikke til en enhet, så rektor får saken",
        "route.reason.reporter_is_leader": "melderen leder selv enheten, så rektor får saken",
        "route.reason.unit_no_leader": "enheten har ingen leder, så rektor får saken",
        "route.reason.principal_leads_unit": "rektor er nærmeste leder",
        "route.reason.employee_accused": "§ 12-5: en som arbeider på skolen, kan ha krenket en elev; til rektor straks",
        "route.reason.leadership_accused": (
            "§ 12-5: en i skolens ledelse kan ha krenket en elev, direkte til skoleeier"
        ),
        "route.reason.fallback_owner": "ingen mottaker kunne finnes, så skoleeier får saken",
        "status.new": "ny",
        "status.acknowledged": "mottatt",
        "status.investigating": "undersøkes",
        "status.plan": "aktivitetsplan",
        "status.closed": "avsluttet",
        "category.krenkelse": "krenkelse",
        "category.mobbing": "mobbing",
        "category.utestenging": "utestenging",
        "category.vold": "vold",
        "category.rasisme": "rasisme",
        "category.diskriminering": "diskriminering",
        "category.digital_krenkelse": "digital krenkelse",
        "category.seksuell_trakassering": "seksuell trakassering",
        "category.ansatt_krenket_elev": "mistanke om at en som arbeider på skolen, har krenket en elev",
        "field.school": "Skole",
        "field.pupils": "Elev(er) det gjelder",
        "field.pupils.hint": "Navn eller initialer",
        "field.what": "Hva skjedde / hva er du bekymret for?",
        "field.when": "Når skjedde det?",
        "field.when.hint": "For eksempel «i går kl 14», «forrige fredag», «i dag»",
        "field.where": "Hvor?",
        "field.categories": "Hva gjelder det?",
        "field.accused": "Hvilken ansatt gjelder det?",
        "field.action_taken": "Hva gjorde du der og da (grep inn)?",
        "field.pupil_words": "Elevens egne ord",
        "field.urgent": "Haster",
        "field.urgent.yes": "Ja, eleven trenger hjelp nå",
        "field.note": "Notat",
        "field.reason": "Begrunnelse for å avslutte",
        "field.forward_to": "Videresend til",
        "error.required": "Må fylles ut.",
        "error.too_long": "For lang tekst: høyst {max} tegn (du skrev {length}).",
        "error.unknown_school": "Velg skolen saken gjelder.",
        "error.unknown_category": "Ukjent kategori: {value}.",
        "error.accused_required": "Velg hvilken ansatt det gjelder.",
        "error.accused_is_reporter": "Du kan ikke melde fra om deg selv her. Ta det opp med rektor, eller med skoleeier om du er rektor.",
        "error.forward_target": "Kan ikke videresendes til {who}: personen har ikke tilgang til saken.",
        "when.unreadable": "Forstod ikke tidspunktet «{text}». Prøv for eksempel {example}.",
        "when.example.past": "«i går kl 14» eller «fredag forrige uke»",
        "when.example.future": "«fredag 4. desember» eller «om to uker»",
        "when.weekday_mismatch": "«{text}» går ikke opp: mente du {weekday_reading} eller {date_reading}? Skriv dagen på nytt.",
        "when.future": "Tidspunktet «{text}» er fram i tid. Når skjedde det?",
        "when.past": "Datoen «{text}» har allerede vært. Velg en dato fram i tid.",
        "when.out_of_range": "«{text}» er ikke et gyldig tidspunkt.",
        "when.understood": "Forstått som {when}",
        "action.open": "Åpne sak",
        "action.acknowledge": "Bekreft mottatt",
        "action.investigate": "Start undersøkelse",
        "action.forward": "Videresend",
        "action.note": "Legg til notat",
        "action.close": "Avslutt",
        "refused.not_allowed": "Du har ikke tilgang til sak {ref}. Forsøket er logget.",
        "refused.closed": "Sak {ref} er avsluttet.",
        "refused.unknown_case": "Fant ingen sak {ref}.",
        "result.acknowledged": "Sak {ref} er bekreftet mottatt av {who}.",
        "result.already": "Sak {ref}: dette var allerede gjort.",
        "result.investigating": "Undersøkelse startet i sak {ref} av {who}.",
        "result.forwarded": "Sak {ref} er videresendt til {to} av {who}.",
        "result.noted": "Notat lagt til i sak {ref}.",
        "result.closed": "Sak {ref} er avsluttet av {who}.",
        "notice.receipt.title": "Takk, du har meldt fra. Saksnummer {ref}.",
        "notice.receipt.routed": "Saken er sendt til: {roles}.",
        "notice.receipt.next": (
            "Skolen skal snarest undersøke saken og, når det trengs, sette inn egnede tiltak. "
            "Du får beskjed når saken er bekreftet mottatt."
        ),
        "notice.receipt.mine.slack": "med «/meldefra mine»",
        "notice.receipt.mine.teams": "ved å skrive «mine» til Meldefra i Teams",
        "notice.receipt.mine.console": "under «Mine meldinger (status)» i menyen",
        "notice.receipt.rights": (
            "Du har meldt fra til rektor slik opplæringslova § 12-4 krever. Plikten til å følge "
            "med og gripe inn gjelder fortsatt. Du kan følge status {mine}, men "
            "ikke se detaljene i saken videre."
        ),
        "notice.receipt.next.12_5": (
            "Undersøkelser og tiltak skal settes i verk straks. Du får beskjed når saken er "
            "bekreftet mottatt."
        ),
        "notice.receipt.rights.12_5": (
            "Du har meldt fra til rektor, og opplæringslova § 12-5 krever at det skjer straks "
            "når noen som arbeider på skolen, kan ha krenket en elev. Plikten til å følge med "
            "og gripe inn gjelder fortsatt. Du kan følge status {mine}, men ikke se detaljene "
            "i saken videre."
        ),
        "notice.receipt.rights.12_5_owner": (
            "Saken gjelder noen i skolens ledelse, så du har meldt fra direkte til skoleeier, "
            "slik opplæringslova § 12-5 krever. Ingen i skolens ledelse får saken. Plikten til "
            "å følge med og gripe inn gjelder fortsatt. Du kan følge status {mine}, men ikke se "
            "detaljene i saken videre."
        ),
        "notice.new_case.title": "Ny melding: sak {ref} ({school})",
        "notice.new_case.role": "Du får saken som {role}: {reason}.",
        "notice.new_case.urgent": "HASTER: eleven kan trenge hjelp nå.",
        "notice.new_case.section_12_5": (
            "§ 12-5: mistanke om at en som arbeider på skolen, har krenket en elev. Rektor skal "
            "straks melde fra til skoleeier."
        ),
        "notice.new_case.section_12_5.leadership": (
            "§ 12-5: mistanke om at noen i skolens ledelse har krenket en elev. Saken er meldt "
            "direkte til skoleeier."
        ),
        "notice.new_case.prompt_owner": "Som rektor skal du melde fra til skoleeier.",
        "notice.new_case.open_hint": "Detaljene vises bare når du åpner saken.",
        "notice.acknowledged.title": "Meldingen din (sak {ref}) er bekreftet mottatt.",
        "notice.forwarded.title": "Sak {ref} er videresendt til deg.",
        "notice.escalated.title": "Sak {ref} er ikke bekreftet mottatt i tide.",
        "notice.case_status": "Status: {status}",
        "notice.categories": "Gjelder: {categories}",
        "notice.unit": "Enhet: {unit}",
        "notice.when": "Tidspunkt: {when}",
        "case.trail": "Saksgang",
        "event.reported": "meldt",
        "event.routed": "rutet",
        "event.notified": "varslet",
        "event.delivered": "levert",
        "event.delivery_failed": "levering feilet",
        "event.acknowledged": "bekreftet mottatt",
        "event.investigation_started": "undersøkelse startet",
        "event.forwarded": "videresendt",
        "event.noted": "notat",
        "event.closed": "avsluttet",
        "event.viewed": "åpnet",
        "event.refused": "avvist forsøk",
        "event.escalated": "eskalert til rektor",
    },
    "nn": {
        "app.name": "Meldefra",
        "role.leader": "nærmaste leiar",
        "role.rektor": "rektor",
        "role.owner": "skoleeigar",
        "role.forwarded": "leiar saka er vidaresend til",
        "role.reporter": "den som melde frå",
        "route.reason.nearest_leader": "nærmaste leiar for {unit}",
        "route.reason.rektor_always": "rektor skal alltid informerast",
        "route.reason.no_unit": "melderen høyrer ikkje til ei eining, så rektor får saka",
        "route.reason.reporter_is_leader": "melderen leiar sjølv eininga, så rektor får saka",
        "route.reason.unit_no_leader": "eininga har ingen leiar, så rektor får saka",
        "route.reason.principal_leads_unit": "rektor er nærmaste leiar",
        "route.reason.employee_accused": "§ 12-5: ein som arbeider på skulen, kan ha krenkt ein elev; til rektor straks",
        "route.reason.leadership_accused": (
            "§ 12-5: ein i leiinga på skulen kan ha krenkt ein elev, direkte til skoleeigar"
        ),
        "route.reason.fallback_owner": "ingen mottakar kunne finnast, så skoleeigar får saka",
        "status.new": "ny",
        "status.acknowledged": "motteken",
        "status.investigating": "blir undersøkt",
        "status.plan": "aktivitetsplan",
        "status.closed": "avslutta",
        "category.krenkelse": "krenking",
        "category.mobbing": "mobbing",
        "category.utestenging": "utestenging",
        "category.vold": "vald",
        "category.rasisme": "rasisme",
        "category.diskriminering": "diskriminering",
        "category.digital_krenkelse": "digital krenking",
        "category.seksuell_trakassering": "seksuell trakassering",
        "category.ansatt_krenket_elev": "mistanke om at ein som arbeider på skulen, har krenkt ein elev",
        "field.school": "Skule",
        "field.pupils": "Elev(ar) det gjeld",
        "field.pupils.hint": "Namn eller initialar",
        "field.what": "Kva skjedde / kva er du uroa for?",
        "field.when": "Når skjedde det?",
        "field.when.hint": "Til dømes «i går kl 14», «førre fredag», «i dag»",
        "field.where": "Kvar?",
        "field.categories": "Kva gjeld det?",
        "field.accused": "Kva tilsett gjeld det?",
        "field.action_taken": "Kva gjorde du der og då (greip inn)?",
        "field.pupil_words": "Eleven sine eigne ord",
        "field.urgent": "Hastar",
        "field.urgent.yes": "Ja, eleven treng hjelp no",
        "field.note": "Notat",
        "field.reason": "Grunngiving for å avslutte",
        "field.forward_to": "Vidaresend til",
        "error.required": "Må fyllast ut.",
        "error.too_long": "For lang tekst: høgst {max} teikn (du skreiv {length}).",
        "error.unknown_school": "Vel skulen saka gjeld.",
        "error.unknown_category": "Ukjend kategori: {value}.",
        "error.accused_required": "Vel kva tilsett det gjeld.",
        "error.accused_is_reporter": "Du kan ikkje melde frå om deg sjølv her. Ta det opp med rektor, eller med skoleeigar om du er rektor.",
        "error.forward_target": "Kan ikkje vidaresendast til {who}: personen har ikkje tilgang til saka.",
        "when.unreadable": "Forstod ikkje tidspunktet «{text}». Prøv til dømes {example}.",
        "when.example.past": "«i går kl 14» eller «fredag førre veke»",
        "when.example.future": "«fredag 4. desember» eller «om to veker»",
        "when.weekday_mismatch": "«{text}» går ikkje opp: meinte du {weekday_reading} eller {date_reading}? Skriv dagen på nytt.",
        "when.future": "Tidspunktet «{text}» er fram i tid. Når skjedde det?",
        "when.past": "Datoen «{text}» har alt vore. Vel ein dato fram i tid.",
        "when.out_of_range": "«{text}» er ikkje eit gyldig tidspunkt.",
        "when.understood": "Forstått som {when}",
        "action.open": "Opne sak",
        "action.acknowledge": "Stadfest motteke",
        "action.investigate": "Start undersøking",
        "action.forward": "Vidaresend",
        "action.note": "Legg til notat",
        "action.close": "Avslutt",
        "refused.not_allowed": "Du har ikkje tilgang til sak {ref}. Forsøket er logga.",
        "refused.closed": "Sak {ref} er avslutta.",
        "refused.unknown_case": "Fann inga sak {ref}.",
        "result.acknowledged": "Sak {ref} er stadfesta motteken av {who}.",
        "result.already": "Sak {ref}: dette var alt gjort.",
        "result.investigating": "Undersøking starta i sak {ref} av {who}.",
        "result.forwarded": "Sak {ref} er vidaresend til {to} av {who}.",
        "result.noted": "Notat lagt til i sak {ref}.",
        "result.closed": "Sak {ref} er avslutta av {who}.",
        "notice.receipt.title": "Takk, du har meldt frå. Saksnummer {ref}.",
        "notice.receipt.routed": "Saka er send til: {roles}.",
        "notice.receipt.next": (
            "Skulen skal snarast undersøkje saka og, når det trengst, setje inn eigna tiltak. "
            "Du får melding når saka er stadfesta motteken."
        ),
        "notice.receipt.mine.slack": "med «/meldefra mine»",
        "notice.receipt.mine.teams": "ved å skrive «mine» til Meldefra i Teams",
        "notice.receipt.mine.console": "under «Mine meldingar (status)» i menyen",
        "notice.receipt.rights": (
            "Du har meldt frå til rektor slik opplæringslova § 12-4 krev. Plikta til å følgje "
            "med og gripe inn gjeld framleis. Du kan følgje status {mine}, men "
            "ikkje sjå detaljane i saka vidare."
        ),
        "notice.receipt.next.12_5": (
            "Undersøkingar og tiltak skal setjast i verk straks. Du får melding når saka er "
            "stadfesta motteken."
        ),
        "notice.receipt.rights.12_5": (
            "Du har meldt frå til rektor, og opplæringslova § 12-5 krev at det skjer straks når "
            "nokon som arbeider på skulen, kan ha krenkt ein elev. Plikta til å følgje med og "
            "gripe inn gjeld framleis. Du kan følgje status {mine}, men ikkje sjå detaljane i "
            "saka vidare."
        ),
        "notice.receipt.rights.12_5_owner": (
            "Saka gjeld nokon i leiinga på skulen, så du har meldt frå direkte til skoleeigar, "
            "slik opplæringslova § 12-5 krev. Ingen i leiinga på skulen får saka. Plikta til å "
            "følgje med og gripe inn gjeld framleis. Du kan følgje status {mine}, men ikkje sjå "
            "detaljane i saka vidare."
        ),
        "notice.new_case.title": "Ny melding: sak {ref} ({school})",
        "notice.new_case.role": "Du får saka som {role}: {reason}.",
        "notice.new_case.urgent": "HASTAR: eleven kan trenge hjelp no.",
        "notice.new_case.section_12_5": (
            "§ 12-5: mistanke om at ein som arbeider på skulen, har krenkt ein elev. Rektor skal "
            "straks melde frå til skoleeigar."
        ),
        "notice.new_case.section_12_5.leadership": (
            "§ 12-5: mistanke om at nokon i leiinga på skulen har krenkt ein elev. Saka er meld "
            "direkte til skoleeigar."
        ),
        "notice.new_case.prompt_owner": "Som rektor skal du melde frå til skoleeigar.",
        "notice.new_case.open_hint": "Detaljane blir berre viste når du opnar saka.",
        "notice.acknowledged.title": "Meldinga di (sak {ref}) er stadfesta motteken.",
        "notice.forwarded.title": "Sak {ref} er vidaresend til deg.",
        "notice.escalated.title": "Sak {ref} er ikkje stadfesta motteken i tide.",
        "notice.case_status": "Status: {status}",
        "notice.categories": "Gjeld: {categories}",
        "notice.unit": "Eining: {unit}",
        "notice.when": "Tidspunkt: {when}",
        "case.trail": "Saksgang",
        "event.reported": "meldt",
        "event.routed": "ruta",
        "event.notified": "varsla",
        "event.delivered": "levert",
        "event.delivery_failed": "levering feila",
        "event.acknowledged": "stadfesta motteken",
        "event.investigation_started": "undersøking starta",
        "event.forwarded": "vidaresend",
        "event.noted": "notat",
        "event.closed": "avslutta",
        "event.viewed": "opna",
        "event.refused": "avvist forsøk",
        "event.escalated": "eskalert til rektor",
    },
    "en": {
        "app.name": "Meldefra",
        "role.leader": "nearest leader",
        "role.rektor": "principal (rektor)",
        "role.owner": "school owner (skoleeier)",
        "role.forwarded": "leader the case was forwarded to",
        "role.reporter": "the person who reported",
        "route.reason.nearest_leader": "nearest leader for {unit}",
        "route.reason.rektor_always": "the principal is always informed",
        "route.reason.no_unit": "the reporter belongs to no unit, so the principal takes it",
        "route.reason.reporter_is_leader": "the reporter leads the unit, so the principal takes it",
        "route.reason.unit_no_leader": "the unit has no leader, so the principal takes it",
        "route.reason.principal_leads_unit": "the principal is the nearest leader",
        "route.reason.employee_accused": (
            "§ 12-5: someone who works at the school may have violated a pupil; to the principal at once"
        ),
        "route.reason.leadership_accused": (
            "§ 12-5: someone in the school's leadership may have violated a pupil, "
            "straight to the school owner"
        ),
        "route.reason.fallback_owner": "nobody else could be found, so the school owner takes it",
        "status.new": "new",
        "status.acknowledged": "acknowledged",
        "status.investigating": "being investigated",
        "status.plan": "activity plan",
        "status.closed": "closed",
        "category.krenkelse": "violation (krenkelse)",
        "category.mobbing": "bullying",
        "category.utestenging": "exclusion",
        "category.vold": "violence",
        "category.rasisme": "racism",
        "category.diskriminering": "discrimination",
        "category.digital_krenkelse": "online violation",
        "category.seksuell_trakassering": "sexual harassment",
        "category.ansatt_krenket_elev": "suspicion that someone who works at the school has violated a pupil",
        "field.school": "School",
        "field.pupils": "Pupil(s) concerned",
        "field.pupils.hint": "Names or initials",
        "field.what": "What happened / what worries you?",
        "field.when": "When did it happen?",
        "field.when.hint": "For example “yesterday at 2pm”, “last friday”, “i dag”",
        "field.where": "Where?",
        "field.categories": "What is it about?",
        "field.accused": "Which employee?",
        "field.action_taken": "What did you do on the spot (step in)?",
        "field.pupil_words": "The pupil's own words",
        "field.urgent": "Urgent",
        "field.urgent.yes": "Yes, the pupil needs help now",
        "field.note": "Note",
        "field.reason": "Reason for closing",
        "field.forward_to": "Forward to",
        "error.required": "Required.",
        "error.too_long": "Too long: at most {max} characters (you wrote {length}).",
        "error.unknown_school": "Choose the school this is about.",
        "error.unknown_category": "Unknown category: {value}.",
        "error.accused_required": "Choose which employee this is about.",
        "error.accused_is_reporter": "You cannot report yourself here. Raise it with the principal, or with the school owner if you are the principal.",
        "error.forward_target": "Cannot forward to {who}: they may not see this case.",
        "when.unreadable": "Could not read the time “{text}”. Try for example {example}.",
        "when.example.past": "“yesterday at 2pm” or “i går kl 14”",
        "when.example.future": "“friday 4 December” or “in two weeks”",
        "when.weekday_mismatch": "“{text}” does not add up: did you mean {weekday_reading} or {date_reading}? Please type the day again.",
        "when.future": "“{text}” is in the future. When did it happen?",
        "when.past": "“{text}” has already passed. Choose a future date.",
        "when.out_of_range": "“{text}” is not a valid time.",
        "when.understood": "Understood as {when}",
        "action.open": "Open case",
        "action.acknowledge": "Acknowledge",
        "action.investigate": "Start investigation",
        "action.forward": "Forward",
        "action.note": "Add note",
        "action.close": "Close",
        "refused.not_allowed": "You may not access case {ref}. The attempt has been logged.",
        "refused.closed": "Case {ref} is closed.",
        "refused.unknown_case": "No case {ref} found.",
        "result.acknowledged": "Case {ref} acknowledged by {who}.",
        "result.already": "Case {ref}: this was already done.",
        "result.investigating": "Investigation started on case {ref} by {who}.",
        "result.forwarded": "Case {ref} forwarded to {to} by {who}.",
        "result.noted": "Note added to case {ref}.",
        "result.closed": "Case {ref} closed by {who}.",
        "notice.receipt.title": "Thank you for reporting. Case number {ref}.",
        "notice.receipt.routed": "The case went to: {roles}.",
        "notice.receipt.next": (
            "The school must investigate as soon as possible and, where needed, put suitable "
            "measures in place. You will be told when the case has been acknowledged."
        ),
        "notice.receipt.mine.slack": "with “/meldefra mine”",
        "notice.receipt.mine.teams": "by writing “mine” to Meldefra in Teams",
        "notice.receipt.mine.console": "under “My reports (status)” in the menu",
        "notice.receipt.rights": (
            "You have reported to the principal as the Education Act § 12-4 requires. The duty "
            "to keep watch and step in goes on. You can follow the status {mine}, "
            "but not see the case's details."
        ),
        "notice.receipt.next.12_5": (
            "Investigation and measures must start at once. You will be told when the case has "
            "been acknowledged."
        ),
        "notice.receipt.rights.12_5": (
            "You have reported to the principal, and the Education Act § 12-5 requires that this "
            "happens at once when someone who works at the school may have violated a pupil. The "
            "duty to keep watch and step in goes on. You can follow the status {mine}, but not "
            "see the case's details."
        ),
        "notice.receipt.rights.12_5_owner": (
            "The case concerns someone in the school's leadership, so you have reported directly "
            "to the school owner, as the Education Act § 12-5 requires. Nobody in the school's "
            "leadership receives the case. The duty to keep watch and step in goes on. You can "
            "follow the status {mine}, but not see the case's details."
        ),
        "notice.new_case.title": "New report: case {ref} ({school})",
        "notice.new_case.role": "You receive this case as {role}: {reason}.",
        "notice.new_case.urgent": "URGENT: the pupil may need help now.",
        "notice.new_case.section_12_5": (
            "§ 12-5: suspicion that someone who works at the school has violated a pupil. The "
            "principal must report it to the school owner at once."
        ),
        "notice.new_case.section_12_5.leadership": (
            "§ 12-5: suspicion that someone in the school's leadership has violated a pupil. The "
            "case was reported directly to the school owner."
        ),
        "notice.new_case.prompt_owner": "As principal you must report this to the school owner.",
        "notice.new_case.open_hint": "Details are shown only when you open the case.",
        "notice.acknowledged.title": "Your report (case {ref}) has been acknowledged.",
        "notice.forwarded.title": "Case {ref} has been forwarded to you.",
        "notice.escalated.title": "Case {ref} was not acknowledged in time.",
        "notice.case_status": "Status: {status}",
        "notice.categories": "About: {categories}",
        "notice.unit": "Unit: {unit}",
        "notice.when": "Time: {when}",
        "case.trail": "Case trail",
        "event.reported": "reported",
        "event.routed": "routed",
        "event.notified": "notified",
        "event.delivered": "delivered",
        "event.delivery_failed": "delivery failed",
        "event.acknowledged": "acknowledged",
        "event.investigation_started": "investigation started",
        "event.forwarded": "forwarded",
        "event.noted": "note",
        "event.closed": "closed",
        "event.viewed": "opened",
        "event.refused": "refused attempt",
        "event.escalated": "escalated to the principal",
    },
}
