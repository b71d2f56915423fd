"""Catalog: the school's day in org.yml (`day:`)."""

MESSAGES = {
    "nb": {
        "org.err.day_time": "{where}: day.{key} «{value}» må skrives TT:MM, for eksempel 08:15.",
        "org.err.day_order": "{where}: day.ends må være senere enn day.starts.",
    },
    "nn": {
        "org.err.day_time": "{where}: day.{key} «{value}» må skrivast TT:MM, til dømes 08:15.",
        "org.err.day_order": "{where}: day.ends må vere seinare enn day.starts.",
    },
    "en": {
        "org.err.day_time": "{where}: day.{key} “{value}” must be written HH:MM, e.g. 08:15.",
        "org.err.day_order": "{where}: day.ends must be later than day.starts.",
    },
}
