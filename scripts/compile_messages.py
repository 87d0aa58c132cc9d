"""Check and compile the Arabic catalogue: src/caravan/locale/ar/LC_MESSAGES/django.po -> django.mo.

The .po file is the source of the Arabic. After `caravan manage makemessages` and filling in the new msgstr
entries, run `.venv/bin/python scripts/compile_messages.py` (polib, from the test extras; GNU `msgfmt` works too).
It drops strings no code uses any more, refuses to compile while an entry has no Arabic or is marked fuzzy, and
writes django.mo. Both files are committed, so an install needs no compile step.
"""

import sys
from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parent.parent / "src" / "caravan" / "locale" / "ar" / "LC_MESSAGES"
ARABIC_PLURAL_FORMS = "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 && n%100<=99 ? 4 : 5;"


def untranslated(po: polib.POFile) -> list[str]:
    """The msgids that have no Arabic yet (empty, some plural form empty, or fuzzy)."""
    missing = []
    for entry in po:
        if entry.obsolete:
            continue
        forms = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        if "fuzzy" in entry.flags or not all(form.strip() for form in forms):
            missing.append(entry.msgid)
    return missing


def main() -> int:
    po = polib.pofile(str(CATALOGUE / "django.po"))
    # A fresh makemessages writes a placeholder plural rule; Arabic has six forms.
    po.metadata["Plural-Forms"] = ARABIC_PLURAL_FORMS
    for entry in po.obsolete_entries():  # strings no code or template uses any more
        po.remove(entry)
    missing = untranslated(po)
    if missing:
        print("No Arabic yet (or marked fuzzy) for:\n" + "\n".join(f"  {msgid}" for msgid in missing))
        return 1
    po.save(str(CATALOGUE / "django.po"))
    po.save_as_mofile(str(CATALOGUE / "django.mo"))
    print(f"Compiled {len(po)} messages into {CATALOGUE / 'django.mo'}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
