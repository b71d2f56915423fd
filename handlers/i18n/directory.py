"""The directory: org.yml's `directory:` and `policy.repeat_reports`, `meldefra directory`,
`meldefra org check` against the directory, a pupil's earlier cases."""

MESSAGES = {
    "nb": {
        "dir.keys_rotated": "Katalogen: navnene til {pupils} elever og deres foresatte kryptert på nytt og søkeindeksen bygd på nytt.",
        "history.repeat_mark": "eleven er meldt fra om {count} ganger denne perioden",
        "history.repeat_title": (
            "{ref}: eleven saken gjelder er meldt fra om {count} ganger {period}. "
            "Åpne saken for å se de tidligere sakene du har tilgang til."
        ),
        "history.period.week": "denne uken",
        "history.period.month": "denne måneden",
        "history.period.term": "dette halvåret",
        "history.period.year": "dette skoleåret",
        "org.err.directory_source": "directory: source «{value}» må være oneroster eller graph.",
        "org.err.directory_path": "directory: source oneroster trenger path (mappen med CSV-filene).",
        "org.err.directory_every": (
            "directory: every «{value}» må være en tid mellom 15 minutes og 7 days, "
            "for eksempel «6 hours»."
        ),
        "org.err.repeat_reports": (
            "{where}: policy.repeat_reports «{value}» må være for eksempel «3 per term» "
            "(2–50 per week, month, term eller year)."
        ),
        "dir.sync.problems": "Katalogen ble ikke endret: kilden har {count} feil.",
        "dir.sync.done": (
            "Katalogen er synkronisert fra {source}: elever {pupils_added} nye, "
            "{pupils_changed} endret, {pupils_left} sluttet; ansatte {staff_added} nye, "
            "{staff_changed} endret, {staff_left} sluttet; skoler {schools_added} nye, "
            "{schools_changed} endret."
        ),
        "dir.sync.unchanged": "Katalogen er synkronisert fra {source}: ingen endringer.",
        "dir.sync.no_source": (
            "Ingen kilde: bruk --source oneroster MAPPE eller --source graph, "
            "eller sett directory: i org.yml."
        ),
        "dir.sync.no_path": "--source oneroster trenger mappen med CSV-filene.",
        "dir.sync.no_graph": (
            "--source graph trenger CLIENT_ID, CLIENT_SECRET og TENANT_ID (og Teams-tillegget)."
        ),
        "dir.show.none": "Katalogen er tom: elevene skrives inn for hånd, slik som før.",
        "dir.show.school": (
            "{name} ({school}): {pupils} elever, {left} sluttet, {guardians} foresatte, "
            "{staff} ansatte, {groups} klasser. Kilde: {source}, sist {synced}."
        ),
        "dir.check.header": "Mot katalogen:",
        "dir.check.ok": "Alle i org.yml finnes i katalogen ved riktig skole.",
        "dir.check.unknown": "{school}: {email} finnes ikke i katalogen.",
        "dir.check.wrong_school": (
            "{school}: {email} er i katalogen, men ved {where}, ikke ved denne skolen."
        ),
        "dir.check.left": "{school}: {email} har sluttet ifølge katalogen.",
        "dir.check.empty": "Katalogen er tom: kjør meldefra directory sync for å sjekke mot den.",
    },
    "nn": {
        "dir.keys_rotated": "Katalogen: namna til {pupils} elevar og føresette deira krypterte på nytt og søkjeindeksen bygd på nytt.",
        "history.repeat_mark": "eleven er meld frå om {count} gonger denne perioden",
        "history.repeat_title": (
            "{ref}: eleven saka gjeld er meld frå om {count} gonger {period}. "
            "Opne saka for å sjå dei tidlegare sakene du har tilgang til."
        ),
        "history.period.week": "denne veka",
        "history.period.month": "denne månaden",
        "history.period.term": "dette halvåret",
        "history.period.year": "dette skuleåret",
        "org.err.directory_source": "directory: source «{value}» må vere oneroster eller graph.",
        "org.err.directory_path": "directory: source oneroster treng path (mappa med CSV-filene).",
        "org.err.directory_every": (
            "directory: every «{value}» må vere ei tid mellom 15 minutes og 7 days, "
            "til dømes «6 hours»."
        ),
        "org.err.repeat_reports": (
            "{where}: policy.repeat_reports «{value}» må vere til dømes «3 per term» "
            "(2–50 per week, month, term eller year)."
        ),
        "dir.sync.problems": "Katalogen vart ikkje endra: kjelda har {count} feil.",
        "dir.sync.done": (
            "Katalogen er synkronisert frå {source}: elevar {pupils_added} nye, "
            "{pupils_changed} endra, {pupils_left} slutta; tilsette {staff_added} nye, "
            "{staff_changed} endra, {staff_left} slutta; skular {schools_added} nye, "
            "{schools_changed} endra."
        ),
        "dir.sync.unchanged": "Katalogen er synkronisert frå {source}: ingen endringar.",
        "dir.sync.no_source": (
            "Inga kjelde: bruk --source oneroster MAPPE eller --source graph, "
            "eller set directory: i org.yml."
        ),
        "dir.sync.no_path": "--source oneroster treng mappa med CSV-filene.",
        "dir.sync.no_graph": (
            "--source graph treng CLIENT_ID, CLIENT_SECRET og TENANT_ID (og Teams-tillegget)."
        ),
        "dir.show.none": "Katalogen er tom: elevane blir skrivne inn for hand, slik som før.",
        "dir.show.school": (
            "{name} ({school}): {pupils} elevar, {left} slutta, {guardians} føresette, "
            "{staff} tilsette, {groups} klassar. Kjelde: {source}, sist {synced}."
        ),
        "dir.check.header": "Mot katalogen:",
        "dir.check.ok": "Alle i org.yml finst i katalogen ved rett skule.",
        "dir.check.unknown": "{school}: {email} finst ikkje i katalogen.",
        "dir.check.wrong_school": (
            "{school}: {email} er i katalogen, men ved {where}, ikkje ved denne skulen."
        ),
        "dir.check.left": "{school}: {email} har slutta ifølgje katalogen.",
        "dir.check.empty": "Katalogen er tom: køyr meldefra directory sync for å sjekke mot han.",
    },
    "en": {
        "dir.keys_rotated": "Directory: the names of {pupils} pupils and their foresatte re-encrypted and the search index rebuilt.",
        "history.repeat_mark": "the pupil has been reported {count} times this period",
        "history.repeat_title": (
            "{ref}: the pupil this case is about has been reported {count} times {period}. "
            "Open the case to see the earlier cases you have access to."
        ),
        "history.period.week": "this week",
        "history.period.month": "this month",
        "history.period.term": "this term",
        "history.period.year": "this school year",
        "org.err.directory_source": "directory: source '{value}' must be oneroster or graph.",
        "org.err.directory_path": "directory: source oneroster needs path (the folder of CSV files).",
        "org.err.directory_every": (
            "directory: every '{value}' must be a time between 15 minutes and 7 days, "
            "for example '6 hours'."
        ),
        "org.err.repeat_reports": (
            "{where}: policy.repeat_reports '{value}' must be for example '3 per term' "
            "(2–50 per week, month, term or year)."
        ),
        "dir.sync.problems": "The directory was not changed: the source has {count} problems.",
        "dir.sync.done": (
            "The directory is synced from {source}: pupils {pupils_added} new, "
            "{pupils_changed} changed, {pupils_left} left; staff {staff_added} new, "
            "{staff_changed} changed, {staff_left} left; schools {schools_added} new, "
            "{schools_changed} changed."
        ),
        "dir.sync.unchanged": "The directory is synced from {source}: no changes.",
        "dir.sync.no_source": (
            "No source: use --source oneroster FOLDER or --source graph, "
            "or set directory: in org.yml."
        ),
        "dir.sync.no_path": "--source oneroster needs the folder of CSV files.",
        "dir.sync.no_graph": (
            "--source graph needs CLIENT_ID, CLIENT_SECRET and TENANT_ID (and the Teams extra)."
        ),
        "dir.show.none": "The directory is empty: pupils are typed by hand, as before.",
        "dir.show.school": (
            "{name} ({school}): {pupils} pupils, {left} left, {guardians} foresatte, "
            "{staff} staff, {groups} classes. Source: {source}, last {synced}."
        ),
        "dir.check.header": "Against the directory:",
        "dir.check.ok": "Everyone in org.yml is in the directory at the right school.",
        "dir.check.unknown": "{school}: {email} is not in the directory.",
        "dir.check.wrong_school": (
            "{school}: {email} is in the directory, but at {where}, not at this school."
        ),
        "dir.check.left": "{school}: {email} has left, says the directory.",
        "dir.check.empty": "The directory is empty: run meldefra directory sync to check against it.",
    },
}
