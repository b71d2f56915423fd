"""The operator's commands: what a file on disk may not be (kept apart from cli_files.py)."""

MESSAGES = {
    "nb": {
        "cli.symlink": "{path} er en symbolsk lenke; Meldefra skriver ikke gjennom den. Velg en annen --out.",
    },
    "nn": {
        "cli.symlink": "{path} er ei symbolsk lenkje; Meldefra skriv ikkje gjennom ho. Vel ei anna --out.",
    },
    "en": {
        "cli.symlink": "{path} is a symbolic link; Meldefra does not write through it. Choose another --out.",
    },
}
