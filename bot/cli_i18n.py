"""The CLI's files: refusing to overwrite an export, a file that cannot be read."""

MESSAGES: dict[str, dict[str, str]] = {
    "nb": {
        "cli.exists": "{path} finnes allerede. Velg en annen --out, eller skriv over med --force.",
        "cli.no_file": "Finner ikke filen {path}.",
        "cli.unreadable": "Kan ikke lese {path}: {reason}.",
        "cli.not_written": "Kan ikke skrive {path}: {reason}.",
    },
    "nn": {
        "cli.exists": "{path} finst allereie. Vel ei anna --out, eller skriv over med --force.",
        "cli.no_file": "Finn ikkje fila {path}.",
        "cli.unreadable": "Kan ikkje lese {path}: {reason}.",
        "cli.not_written": "Kan ikkje skrive {path}: {reason}.",
    },
    "en": {
        "cli.exists": "{path} already exists. Choose another --out, or overwrite with --force.",
        "cli.no_file": "No such file: {path}.",
        "cli.unreadable": "Cannot read {path}: {reason}.",
        "cli.not_written": "Cannot write {path}: {reason}.",
    },
}
