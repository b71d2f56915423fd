"""Operations: `meldefra org check` (problems in org.yml) and `meldefra doctor`."""

MESSAGES: dict[str, dict[str, str]] = {
    "nb": {
        "org.problems": "{path} har feil. Rett opp dette og prøv igjen:",
        "org.line": "{path}:{line}: {problem}",
        "org.where.file": "Fila",
        "org.where.school": "Skolen «{school}»",
        "org.where.a_school": "En skole i schools",
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
        "org.err.owner_notice": "{where}: policy.owner_notice «{value}» må være at_once eller rektor.",
        "org.err.owner_notice_hours": "{where}: policy.owner_notice_hours må være et helt tall fra 1 til 168.",
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
        "doctor.ok": "OK    {what}: {detail}",
        "doctor.skip": "–     {what}: {detail}",
        "doctor.bad": "FEIL  {what}: {problem} Slik retter du det: {fix}",
        "doctor.all_ok": "Alt i orden.",
        "doctor.some_bad": "{count} ting må rettes.",
        "doctor.what.org": "Organisasjonsfila",
        "doctor.what.database": "Databasen",
        "doctor.what.schema": "Databaseskjemaet",
        "doctor.what.key": "Krypteringsnøkkelen",
        "doctor.what.slack": "Slack-tokenet",
        "doctor.what.slack_scopes": "Slack-tillatelsene",
        "doctor.what.slack_app": "Slack-app-tokenet",
        "doctor.what.teams": "Teams-innloggingen",
        "doctor.what.graph": "Graph-tillatelsene",
        "doctor.org.ok": "{path}: {counts}.",
        "doctor.org.bad": "{path} har {count} feil, den første på linje {line}: {problem}",
        "doctor.org.fix": "kjør «meldefra org check {path}» og rett det som står der.",
        "doctor.db.ok": "svarer ({url}).",
        "doctor.db.no_file": "databasefila {path} finnes ikke.",
        "doctor.db.bad": "svarer ikke ({url}): {error}.",
        "doctor.db.fix": "sjekk DATABASE_URL, og at databasen kjører og tar imot tilkoblinger herfra.",
        "doctor.schema.ok": "på nyeste revisjon ({revision}).",
        "doctor.schema.empty": "databasen har ingen tabeller ennå.",
        "doctor.schema.old": "på revisjon {revision}, nyeste er {head}.",
        "doctor.schema.upgrade": "kjør «meldefra db upgrade».",
        "doctor.schema.newer": "på revisjon {revision}, som denne versjonen av Meldefra ikke kjenner (nyeste er {head}).",
        "doctor.schema.newer_fix": "databasen er nyere enn programmet: oppgrader Meldefra til samme versjon som de andre replikaene.",
        "doctor.key.none": "ikke satt: fritekst lagres ukryptert.",
        "doctor.key.none_sealed": "ikke satt, men {count} tekster er kryptert.",
        "doctor.key.none_sealed_fix": "sett MELDEFRA_ENCRYPTION_KEY til nøkkelen de ble kryptert med.",
        "doctor.key.bad": "MELDEFRA_ENCRYPTION_KEY er ikke gyldige Fernet-nøkler.",
        "doctor.key.bad_fix": "lag en nøkkel med «meldefra keys new»; flere nøkler skilles med komma, nyeste først.",
        "doctor.key.valid": "gyldig (tekstene i databasen kunne ikke sjekkes).",
        "doctor.key.ok": "gyldig, og den åpner alle {count} krypterte tekster.",
        "doctor.key.plain": "gyldig, og den åpner alle {count} krypterte tekster; {plain} tekster fra før nøkkelen ble satt er ukryptert (kjør «meldefra keys rotate» for å kryptere dem).",
        "doctor.key.mismatch": "{bad} av {count} krypterte tekster kan ikke åpnes med nøklene.",
        "doctor.key.mismatch_fix": "sett den gamle nøkkelen bakerst i MELDEFRA_ENCRYPTION_KEY (NY,GAMMEL) og kjør «meldefra keys rotate».",
        "doctor.none": "ikke satt opp ({name}).",
        "doctor.unreachable": "får ikke kontakt med {url}: {error}.",
        "doctor.unreachable_fix": "sjekk {name}, og at serveren kommer ut på nettet (proxy, brannmur).",
        "doctor.slack.ok": "gyldig for arbeidsområdet {team} som {user}.",
        "doctor.slack.bad": "Slack avviste tokenet ({error}).",
        "doctor.slack.fix": "hent Bot User OAuth Token (xoxb-…) under Install App i Slack-appen og sett SLACK_BOT_TOKEN.",
        "doctor.scopes.ok": "har alt manifest.yml ber om ({scopes}).",
        "doctor.scopes.missing": "tokenet mangler {scopes}.",
        "doctor.scopes.fix": "legg dem til under OAuth & Permissions (eller lim inn manifest.yml på nytt) og installer appen på nytt i arbeidsområdet.",
        "doctor.scopes.unknown": "Slack sa ikke hvilke tillatelser tokenet har (ingen x-oauth-scopes).",
        "doctor.slack_app.ok": "gyldig for Socket Mode.",
        "doctor.slack_app.bad": "Slack avviste SLACK_APP_TOKEN ({error}).",
        "doctor.slack_app.fix": "lag et app-nivå-token med connections:write under Basic Information → App-Level Tokens og sett SLACK_APP_TOKEN (xapp-…).",
        "doctor.teams.missing": "{names} mangler.",
        "doctor.teams.missing_fix": "sett CLIENT_SECRET og TENANT_ID fra app-registreringen i Entra ID (Certificates & secrets, Directory (tenant) ID).",
        "doctor.teams.ok": "Entra ID gir appen {client_id} token for Bot Framework.",
        "doctor.teams.bad": "Entra ID avviste innloggingen ({error}).",
        "doctor.teams.fix.secret": "lag en ny klienthemmelighet under Certificates & secrets og sett CLIENT_SECRET (hemmeligheter utløper).",
        "doctor.teams.fix.app": "sjekk CLIENT_ID: Application (client) ID i app-registreringen, registrert i tenanten TENANT_ID.",
        "doctor.teams.fix.tenant": "sjekk TENANT_ID: Directory (tenant) ID i app-registreringen.",
        "doctor.graph.ok": "har {roles}.",
        "doctor.graph.missing": "appen mangler {roles}.",
        "doctor.graph.fix": "Entra ID → App registrations → API permissions: legg dem til som application permissions for Microsoft Graph og trykk Grant admin consent.",
    },
    "nn": {
        "org.problems": "{path} har feil. Rett opp dette og prøv igjen:",
        "org.line": "{path}:{line}: {problem}",
        "org.where.file": "Fila",
        "org.where.school": "Skulen «{school}»",
        "org.where.a_school": "Ein skule i schools",
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
            "Eit hermeteikn som opnar på linje {start}, blir aldri lukka. Set eit tilsvarande "
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
        "org.err.no_owner": "owner (skoleeigar) manglar: meldingar må ha ein stad å gå til sist.",
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
        "org.err.owner_notice": "{where}: policy.owner_notice «{value}» må vere at_once eller rektor.",
        "org.err.owner_notice_hours": "{where}: policy.owner_notice_hours må vere eit heilt tal frå 1 til 168.",
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
        "doctor.ok": "OK    {what}: {detail}",
        "doctor.skip": "–     {what}: {detail}",
        "doctor.bad": "FEIL  {what}: {problem} Slik rettar du det: {fix}",
        "doctor.all_ok": "Alt i orden.",
        "doctor.some_bad": "{count} ting må rettast.",
        "doctor.what.org": "Organisasjonsfila",
        "doctor.what.database": "Databasen",
        "doctor.what.schema": "Databaseskjemaet",
        "doctor.what.key": "Krypteringsnøkkelen",
        "doctor.what.slack": "Slack-tokenet",
        "doctor.what.slack_scopes": "Slack-løyva",
        "doctor.what.slack_app": "Slack-app-tokenet",
        "doctor.what.teams": "Teams-innlogginga",
        "doctor.what.graph": "Graph-løyva",
        "doctor.org.ok": "{path}: {counts}.",
        "doctor.org.bad": "{path} har {count} feil, den første på linje {line}: {problem}",
        "doctor.org.fix": "køyr «meldefra org check {path}» og rett det som står der.",
        "doctor.db.ok": "svarar ({url}).",
        "doctor.db.no_file": "databasefila {path} finst ikkje.",
        "doctor.db.bad": "svarar ikkje ({url}): {error}.",
        "doctor.db.fix": "sjekk DATABASE_URL, og at databasen køyrer og tek imot tilkoplingar herifrå.",
        "doctor.schema.ok": "på nyaste revisjon ({revision}).",
        "doctor.schema.empty": "databasen har ingen tabellar enno.",
        "doctor.schema.old": "på revisjon {revision}, nyaste er {head}.",
        "doctor.schema.upgrade": "køyr «meldefra db upgrade».",
        "doctor.schema.newer": "på revisjon {revision}, som denne versjonen av Meldefra ikkje kjenner (nyaste er {head}).",
        "doctor.schema.newer_fix": "databasen er nyare enn programmet: oppgrader Meldefra til same versjon som dei andre replikaene.",
        "doctor.key.none": "ikkje sett: fritekst blir lagra ukryptert.",
        "doctor.key.none_sealed": "ikkje sett, men {count} tekstar er krypterte.",
        "doctor.key.none_sealed_fix": "set MELDEFRA_ENCRYPTION_KEY til nøkkelen dei vart krypterte med.",
        "doctor.key.bad": "MELDEFRA_ENCRYPTION_KEY er ikkje gyldige Fernet-nøklar.",
        "doctor.key.bad_fix": "lag ein nøkkel med «meldefra keys new»; fleire nøklar blir skilde med komma, nyaste først.",
        "doctor.key.valid": "gyldig (tekstane i databasen kunne ikkje sjekkast).",
        "doctor.key.ok": "gyldig, og han opnar alle {count} krypterte tekstar.",
        "doctor.key.plain": "gyldig, og han opnar alle {count} krypterte tekstar; {plain} tekstar frå før nøkkelen vart sett er ukrypterte (køyr «meldefra keys rotate» for å kryptere dei).",
        "doctor.key.mismatch": "{bad} av {count} krypterte tekstar kan ikkje opnast med nøklane.",
        "doctor.key.mismatch_fix": "set den gamle nøkkelen bakarst i MELDEFRA_ENCRYPTION_KEY (NY,GAMMAL) og køyr «meldefra keys rotate».",
        "doctor.none": "ikkje sett opp ({name}).",
        "doctor.unreachable": "får ikkje kontakt med {url}: {error}.",
        "doctor.unreachable_fix": "sjekk {name}, og at tenaren kjem ut på nettet (proxy, brannmur).",
        "doctor.slack.ok": "gyldig for arbeidsområdet {team} som {user}.",
        "doctor.slack.bad": "Slack avviste tokenet ({error}).",
        "doctor.slack.fix": "hent Bot User OAuth Token (xoxb-…) under Install App i Slack-appen og set SLACK_BOT_TOKEN.",
        "doctor.scopes.ok": "har alt manifest.yml ber om ({scopes}).",
        "doctor.scopes.missing": "tokenet manglar {scopes}.",
        "doctor.scopes.fix": "legg dei til under OAuth & Permissions (eller lim inn manifest.yml på nytt) og installer appen på nytt i arbeidsområdet.",
        "doctor.scopes.unknown": "Slack sa ikkje kva løyve tokenet har (ingen x-oauth-scopes).",
        "doctor.slack_app.ok": "gyldig for Socket Mode.",
        "doctor.slack_app.bad": "Slack avviste SLACK_APP_TOKEN ({error}).",
        "doctor.slack_app.fix": "lag eit app-nivå-token med connections:write under Basic Information → App-Level Tokens og set SLACK_APP_TOKEN (xapp-…).",
        "doctor.teams.missing": "{names} manglar.",
        "doctor.teams.missing_fix": "set CLIENT_SECRET og TENANT_ID frå app-registreringa i Entra ID (Certificates & secrets, Directory (tenant) ID).",
        "doctor.teams.ok": "Entra ID gir appen {client_id} token for Bot Framework.",
        "doctor.teams.bad": "Entra ID avviste innlogginga ({error}).",
        "doctor.teams.fix.secret": "lag ein ny klientløyndom under Certificates & secrets og set CLIENT_SECRET (løyndomar går ut).",
        "doctor.teams.fix.app": "sjekk CLIENT_ID: Application (client) ID i app-registreringa, registrert i tenanten TENANT_ID.",
        "doctor.teams.fix.tenant": "sjekk TENANT_ID: Directory (tenant) ID i app-registreringa.",
        "doctor.graph.ok": "har {roles}.",
        "doctor.graph.missing": "appen manglar {roles}.",
        "doctor.graph.fix": "Entra ID → App registrations → API permissions: legg dei til som application permissions for Microsoft Graph og trykk Grant admin consent.",
    },
    "en": {
        "org.problems": "{path} has problems. Fix these and try again:",
        "org.line": "{path}:{line}: {problem}",
        "org.where.file": "The file",
        "org.where.school": "School '{school}'",
        "org.where.a_school": "A school in schools",
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
        "org.err.owner_notice": "{where}: policy.owner_notice '{value}' must be at_once or rektor.",
        "org.err.owner_notice_hours": "{where}: policy.owner_notice_hours must be a whole number from 1 to 168.",
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
        "doctor.ok": "OK    {what}: {detail}",
        "doctor.skip": "–     {what}: {detail}",
        "doctor.bad": "FAIL  {what}: {problem} To fix it: {fix}",
        "doctor.all_ok": "All in order.",
        "doctor.some_bad": "{count} things to fix.",
        "doctor.what.org": "The org file",
        "doctor.what.database": "The database",
        "doctor.what.schema": "The database schema",
        "doctor.what.key": "The encryption key",
        "doctor.what.slack": "The Slack token",
        "doctor.what.slack_scopes": "The Slack scopes",
        "doctor.what.slack_app": "The Slack app token",
        "doctor.what.teams": "The Teams sign-in",
        "doctor.what.graph": "The Graph permissions",
        "doctor.org.ok": "{path}: {counts}.",
        "doctor.org.bad": "{path} has {count} problems, the first on line {line}: {problem}",
        "doctor.org.fix": "run 'meldefra org check {path}' and fix what it says.",
        "doctor.db.ok": "answers ({url}).",
        "doctor.db.no_file": "the database file {path} does not exist.",
        "doctor.db.bad": "does not answer ({url}): {error}.",
        "doctor.db.fix": "check DATABASE_URL, and that the database runs and accepts connections from here.",
        "doctor.schema.ok": "at the newest revision ({revision}).",
        "doctor.schema.empty": "the database has no tables yet.",
        "doctor.schema.old": "at revision {revision}, the newest is {head}.",
        "doctor.schema.upgrade": "run 'meldefra db upgrade'.",
        "doctor.schema.newer": "at revision {revision}, which this version of Meldefra does not know (the newest is {head}).",
        "doctor.schema.newer_fix": "the database is newer than the program: upgrade Meldefra to the version the other replicas run.",
        "doctor.key.none": "not set: free text is stored unencrypted.",
        "doctor.key.none_sealed": "not set, but {count} texts are encrypted.",
        "doctor.key.none_sealed_fix": "set MELDEFRA_ENCRYPTION_KEY to the key they were encrypted with.",
        "doctor.key.bad": "MELDEFRA_ENCRYPTION_KEY does not hold valid Fernet keys.",
        "doctor.key.bad_fix": "make a key with 'meldefra keys new'; separate several keys with commas, newest first.",
        "doctor.key.valid": "valid (the texts in the database could not be checked).",
        "doctor.key.ok": "valid, and it opens all {count} encrypted texts.",
        "doctor.key.plain": "valid, and it opens all {count} encrypted texts; {plain} texts from before the key was set are unencrypted (run 'meldefra keys rotate' to encrypt them).",
        "doctor.key.mismatch": "{bad} of {count} encrypted texts cannot be opened with the keys.",
        "doctor.key.mismatch_fix": "put the old key last in MELDEFRA_ENCRYPTION_KEY (NEW,OLD) and run 'meldefra keys rotate'.",
        "doctor.none": "not set up ({name}).",
        "doctor.unreachable": "cannot reach {url}: {error}.",
        "doctor.unreachable_fix": "check {name}, and that the server can reach the internet (proxy, firewall).",
        "doctor.slack.ok": "valid for the workspace {team} as {user}.",
        "doctor.slack.bad": "Slack refused the token ({error}).",
        "doctor.slack.fix": "take the Bot User OAuth Token (xoxb-…) under Install App in the Slack app and set SLACK_BOT_TOKEN.",
        "doctor.scopes.ok": "has everything manifest.yml asks for ({scopes}).",
        "doctor.scopes.missing": "the token lacks {scopes}.",
        "doctor.scopes.fix": "add them under OAuth & Permissions (or paste manifest.yml again) and reinstall the app to the workspace.",
        "doctor.scopes.unknown": "Slack did not say which scopes the token has (no x-oauth-scopes).",
        "doctor.slack_app.ok": "valid for Socket Mode.",
        "doctor.slack_app.bad": "Slack refused SLACK_APP_TOKEN ({error}).",
        "doctor.slack_app.fix": "make an app-level token with connections:write under Basic Information → App-Level Tokens and set SLACK_APP_TOKEN (xapp-…).",
        "doctor.teams.missing": "{names} missing.",
        "doctor.teams.missing_fix": "set CLIENT_SECRET and TENANT_ID from the app registration in Entra ID (Certificates & secrets, Directory (tenant) ID).",
        "doctor.teams.ok": "Entra ID gives the app {client_id} a Bot Framework token.",
        "doctor.teams.bad": "Entra ID refused the sign-in ({error}).",
        "doctor.teams.fix.secret": "make a new client secret under Certificates & secrets and set CLIENT_SECRET (secrets expire).",
        "doctor.teams.fix.app": "check CLIENT_ID: the Application (client) ID of the app registration, registered in the tenant TENANT_ID.",
        "doctor.teams.fix.tenant": "check TENANT_ID: the Directory (tenant) ID of the app registration.",
        "doctor.graph.ok": "has {roles}.",
        "doctor.graph.missing": "the app lacks {roles}.",
        "doctor.graph.fix": "Entra ID → App registrations → API permissions: add them as application permissions for Microsoft Graph and press Grant admin consent.",
    },
}
