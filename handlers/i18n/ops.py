"""Operations: `meldefra org check` (problems in org.yml) and `meldefra doctor`."""

MESSAGES: dict[str, dict[str, str]] = {
    "nb": {
        "org.problems": "{path} har feil. Rett opp dette og prøv igjen:",
        "org.line": "{path}:{line}: {problem}",
        "org.where.file": "Fila",
        "org.where.school": "Skolen «{school}»",
        "org.where.unit": "Skolen «{school}», enheten «{unit}»",
        "org.err.read": "Fila kan ikke leses: {error}.",
        "org.err.empty": "Fila er tom.",
        "org.err.yaml.colon": (
            "Et kolon (:) står der det ikke kan stå. Står det et kolon inne i en tekst, sett "
            "teksten i anførselstegn («'8: trinn'»); ellers sjekk at linja står like langt inn "
            "som nøklene over."
        ),
        "org.err.yaml.tab": "Innrykket er laget med tabulator. Bruk mellomrom i stedet.",
        "org.err.yaml.list": (
            "En liste i hakeparenteser som starter på linje {start}, er ikke lukket: sjekk at "
            "den slutter med ] og at elementene er skilt med komma."
        ),
        "org.err.yaml.braces": (
            "En oppføring i krøllparenteser som starter på linje {start}, er ikke lukket: sjekk "
            "at den slutter med }} og at elementene er skilt med komma."
        ),
        "org.err.yaml.quote": (
            "Et anførselstegn som åpner på linje {start}, lukkes aldri. Sett et tilsvarende "
            "anførselstegn på slutten av teksten."
        ),
        "org.err.yaml.indent": (
            "Innrykket stemmer ikke: linja må stå like langt inn som de andre nøklene på samme "
            "nivå (bruk like mange mellomrom)."
        ),
        "org.err.yaml.key": "En nøkkel mangler kolon etter seg (skriv «nøkkel: verdi»).",
        "org.err.yaml.other": (
            "Fila kan ikke leses her. Sjekk innrykk, kolon og anførselstegn på denne linja og "
            "linja over."
        ),
        "org.err.mapping": "{where} må være nøkler med verdier (nøkkel: verdi).",
        "org.err.key_twice": "{where}: «{key}» står to ganger.",
        "org.err.unknown_key": "{where}: ukjent nøkkel «{key}». Kjente nøkler: {known}.",
        "org.err.missing": "{where}: «{key}» mangler.",
        "org.err.single": "{where}: «{key}» må være én verdi.",
        "org.err.not_email": "{where}: «{value}» er ikke en e-postadresse.",
        "org.err.email_list": "{where}: «{key}» må være en liste med e-postadresser.",
        "org.err.no_owner": "owner (skoleeier) mangler: meldinger må ha et sted å gå til sist.",
        "org.err.no_contacts": "owner.contacts må ha minst én e-postadresse.",
        "org.err.no_schools": "schools må være en liste med minst én skole.",
        "org.err.school_twice": "Skole-id-en «{school}» er brukt to ganger.",
        "org.err.school_id": "Skole-id-en «{school}» kan bare ha a–z, 0–9, - og _.",
        "org.err.language": "{where}: språket «{value}» finnes ikke. Bruk nb, nn eller en.",
        "org.err.timezone": "{where}: ukjent tidssone «{value}» (for eksempel Europe/Oslo).",
        "org.err.list": "{where}: «{key}» må være en liste.",
        "org.err.unit_twice": "{where}: enheten står to ganger.",
        "org.err.digest": (
            "{where}: rteam.digest «{value}» må skrives som «monday 08:00» eller "
            "«every 2 weeks monday 08:00»."
        ),
        "org.err.reminder_time": "{where}: policy.reminder_time «{value}» må skrives TT:MM.",
        "org.err.whole_number": "{where}: policy.{key} må være et helt tall fra 1 til 60.",
        "org.err.managers": "{where}: graph.managers må være true eller false.",
        "org.err.rteam_group": "{where}: graph.rteam_group må være en gruppe-id fra Entra ID.",
        "org.err.closed_day": (
            "{where}: stengt dag «{value}» må skrives ÅÅÅÅ-MM-DD eller ÅÅÅÅ-MM-DD..ÅÅÅÅ-MM-DD."
        ),
        "org.err.closed_backwards": "{where}: de stengte dagene «{value}» slutter før de starter.",
        "org.err.two_units": (
            "{where}: {person} er med i både «{first}» og «{second}», så det er uklart hvem som "
            "er nærmeste leder. Ta personen ut av én av enhetene, eller skriv "
            "«primary_unit: {{{person}: {first}}}» under skolen."
        ),
        "org.err.leader_unknown": (
            "{where}: lederen {person} står ikke noe annet sted ved skolen (ikke rektor, ikke "
            "i leadership, ikke medlem av en enhet). Er e-postadressen skrevet riktig? Legg "
            "personen til i leadership."
        ),
        "org.err.primary_unknown_unit": (
            "{where}: primary_unit for {person} peker på «{unit}», som ikke er en enhet ved skolen."
        ),
        "org.err.primary_not_member": (
            "{where}: primary_unit for {person} er «{unit}», men personen er ikke medlem der."
        ),
    },
    "nn": {
        "org.problems": "{path} har feil. Rett opp dette og prøv igjen:",
        "org.line": "{path}:{line}: {problem}",
        "org.where.file": "Fila",
        "org.where.school": "Skulen «{school}»",
        "org.where.unit": "Skulen «{school}», eininga «{unit}»",
        "org.err.read": "Fila kan ikkje lesast: {error}.",
        "org.err.empty": "Fila er tom.",
        "org.err.yaml.colon": (
            "Eit kolon (:) står der det ikkje kan stå. Står det eit kolon inne i ein tekst, set "
            "teksten i hermeteikn («'8: trinn'»); elles sjekk at linja står like langt inne "
            "som nøklane over."
        ),
        "org.err.yaml.tab": "Innrykket er laga med tabulator. Bruk mellomrom i staden.",
        "org.err.yaml.list": (
            "Ei liste i hakeparentesar som startar på linje {start}, er ikkje lukka: sjekk at "
            "ho sluttar med ] og at elementa er skilde med komma."
        ),
        "org.err.yaml.braces": (
            "Ei oppføring i krøllparentesar som startar på linje {start}, er ikkje lukka: sjekk "
            "at ho sluttar med }} og at elementa er skilde med komma."
        ),
        "org.err.yaml.quote": (
            "Eit hermeteikn som opnar på linje {start}, vert aldri lukka. Set eit tilsvarande "
            "hermeteikn på slutten av teksten."
        ),
        "org.err.yaml.indent": (
            "Innrykket stemmer ikkje: linja må stå like langt inne som dei andre nøklane på "
            "same nivå (bruk like mange mellomrom)."
        ),
        "org.err.yaml.key": "Ein nøkkel manglar kolon etter seg (skriv «nøkkel: verdi»).",
        "org.err.yaml.other": (
            "Fila kan ikkje lesast her. Sjekk innrykk, kolon og hermeteikn på denne linja og "
            "linja over."
        ),
        "org.err.mapping": "{where} må vere nøklar med verdiar (nøkkel: verdi).",
        "org.err.key_twice": "{where}: «{key}» står to gonger.",
        "org.err.unknown_key": "{where}: ukjend nøkkel «{key}». Kjende nøklar: {known}.",
        "org.err.missing": "{where}: «{key}» manglar.",
        "org.err.single": "{where}: «{key}» må vere éin verdi.",
        "org.err.not_email": "{where}: «{value}» er ikkje ei e-postadresse.",
        "org.err.email_list": "{where}: «{key}» må vere ei liste med e-postadresser.",
        "org.err.no_owner": "owner (skuleeigar) manglar: meldingar må ha ein stad å gå til sist.",
        "org.err.no_contacts": "owner.contacts må ha minst éi e-postadresse.",
        "org.err.no_schools": "schools må vere ei liste med minst éin skule.",
        "org.err.school_twice": "Skule-id-en «{school}» er brukt to gonger.",
        "org.err.school_id": "Skule-id-en «{school}» kan berre ha a–z, 0–9, - og _.",
        "org.err.language": "{where}: språket «{value}» finst ikkje. Bruk nb, nn eller en.",
        "org.err.timezone": "{where}: ukjend tidssone «{value}» (til dømes Europe/Oslo).",
        "org.err.list": "{where}: «{key}» må vere ei liste.",
        "org.err.unit_twice": "{where}: eininga står to gonger.",
        "org.err.digest": (
            "{where}: rteam.digest «{value}» må skrivast som «monday 08:00» eller "
            "«every 2 weeks monday 08:00»."
        ),
        "org.err.reminder_time": "{where}: policy.reminder_time «{value}» må skrivast TT:MM.",
        "org.err.whole_number": "{where}: policy.{key} må vere eit heilt tal frå 1 til 60.",
        "org.err.managers": "{where}: graph.managers må vere true eller false.",
        "org.err.rteam_group": "{where}: graph.rteam_group må vere ein gruppe-id frå Entra ID.",
        "org.err.closed_day": (
            "{where}: stengd dag «{value}» må skrivast ÅÅÅÅ-MM-DD eller ÅÅÅÅ-MM-DD..ÅÅÅÅ-MM-DD."
        ),
        "org.err.closed_backwards": "{where}: dei stengde dagane «{value}» sluttar før dei startar.",
        "org.err.two_units": (
            "{where}: {person} er med i både «{first}» og «{second}», så det er uklart kven som "
            "er nærmaste leiar. Ta personen ut av éi av einingane, eller skriv "
            "«primary_unit: {{{person}: {first}}}» under skulen."
        ),
        "org.err.leader_unknown": (
            "{where}: leiaren {person} står ikkje nokon annan stad ved skulen (ikkje rektor, "
            "ikkje i leadership, ikkje medlem av ei eining). Er e-postadressa skriven rett? "
            "Legg personen til i leadership."
        ),
        "org.err.primary_unknown_unit": (
            "{where}: primary_unit for {person} peikar på «{unit}», som ikkje er ei eining ved "
            "skulen."
        ),
        "org.err.primary_not_member": (
            "{where}: primary_unit for {person} er «{unit}», men personen er ikkje medlem der."
        ),
    },
    "en": {
        "org.problems": "{path} has problems. Fix these and try again:",
        "org.line": "{path}:{line}: {problem}",
        "org.where.file": "The file",
        "org.where.school": "School '{school}'",
        "org.where.unit": "School '{school}', unit '{unit}'",
        "org.err.read": "The file cannot be read: {error}.",
        "org.err.empty": "The file is empty.",
        "org.err.yaml.colon": (
            "A colon (:) stands where it cannot. If a text holds a colon, put the text in "
            "quotes ('8: grade'); otherwise check that the line is indented as far as the keys "
            "above it."
        ),
        "org.err.yaml.tab": "The indentation uses a tab. Use spaces instead.",
        "org.err.yaml.list": (
            "A list in square brackets that starts on line {start} is not closed: check that "
            "it ends with ] and that its items are separated by commas."
        ),
        "org.err.yaml.braces": (
            "An entry in curly braces that starts on line {start} is not closed: check that "
            "it ends with }} and that its items are separated by commas."
        ),
        "org.err.yaml.quote": (
            "A quote opened on line {start} is never closed. Put a matching quote at the end "
            "of the text."
        ),
        "org.err.yaml.indent": (
            "The indentation is off: the line must be indented as far as the other keys at "
            "the same level (use the same number of spaces)."
        ),
        "org.err.yaml.key": "A key has no colon after it (write 'key: value').",
        "org.err.yaml.other": (
            "The file cannot be read here. Check the indentation, colons and quotes on this "
            "line and the one above."
        ),
        "org.err.mapping": "{where} must be keys with values (key: value).",
        "org.err.key_twice": "{where}: '{key}' is given twice.",
        "org.err.unknown_key": "{where}: unknown key '{key}'. Known keys: {known}.",
        "org.err.missing": "{where}: '{key}' is missing.",
        "org.err.single": "{where}: '{key}' must be a single value.",
        "org.err.not_email": "{where}: '{value}' is not an e-mail address.",
        "org.err.email_list": "{where}: '{key}' must be a list of e-mail addresses.",
        "org.err.no_owner": "owner (skoleeier) is missing: reports need somewhere to go last.",
        "org.err.no_contacts": "owner.contacts needs at least one e-mail address.",
        "org.err.no_schools": "schools must be a list with at least one school.",
        "org.err.school_twice": "The school id '{school}' is used twice.",
        "org.err.school_id": "The school id '{school}' may hold only a-z, 0-9, - and _.",
        "org.err.language": "{where}: there is no language '{value}'. Use nb, nn or en.",
        "org.err.timezone": "{where}: unknown time zone '{value}' (for example Europe/Oslo).",
        "org.err.list": "{where}: '{key}' must be a list.",
        "org.err.unit_twice": "{where}: the unit is listed twice.",
        "org.err.digest": (
            "{where}: rteam.digest '{value}' must look like 'monday 08:00' or "
            "'every 2 weeks monday 08:00'."
        ),
        "org.err.reminder_time": "{where}: policy.reminder_time '{value}' must be HH:MM.",
        "org.err.whole_number": "{where}: policy.{key} must be a whole number from 1 to 60.",
        "org.err.managers": "{where}: graph.managers must be true or false.",
        "org.err.rteam_group": "{where}: graph.rteam_group must be an Entra ID group id.",
        "org.err.closed_day": (
            "{where}: closed day '{value}' must be YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD."
        ),
        "org.err.closed_backwards": "{where}: the closed days '{value}' end before they start.",
        "org.err.two_units": (
            "{where}: {person} is in both '{first}' and '{second}', so it is unclear who their "
            "nearest leader is. Take them out of one unit, or write "
            "'primary_unit: {{{person}: {first}}}' under the school."
        ),
        "org.err.leader_unknown": (
            "{where}: the leader {person} appears nowhere else in the school (not rektor, not "
            "in leadership, not a member of a unit). Is the e-mail address right? Add them to "
            "leadership."
        ),
        "org.err.primary_unknown_unit": (
            "{where}: primary_unit for {person} names '{unit}', which is not a unit of the school."
        ),
        "org.err.primary_not_member": (
            "{where}: primary_unit for {person} is '{unit}', but they are not a member of it."
        ),
    },
}
