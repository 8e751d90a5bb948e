"""Fill unfinished entries of a .ts catalogue from a Python dict {(context, source): translation}.

For bulk translation work outside Qt Linguist: `python scripts/fill_translations.py TS DICT.py`
where DICT.py defines `ZH = {...}`. Entries already finished are left alone.
"""

from __future__ import annotations

import runpy
import sys
import xml.etree.ElementTree as ET


def main(ts_path: str, dict_path: str) -> int:
    table = runpy.run_path(dict_path)["ZH"]
    tree = ET.parse(ts_path)
    filled = missing = 0
    for ctx in tree.getroot().iter("context"):
        name = ctx.findtext("name")
        for msg in ctx.iter("message"):
            tr = msg.find("translation")
            if tr is None or tr.get("type") != "unfinished":
                continue
            text = table.get((name, msg.findtext("source")))
            if text is None:
                missing += 1
                print(f"no translation: {name} | {msg.findtext('source')}", file=sys.stderr)
                continue
            tr.text = text
            del tr.attrib["type"]
            filled += 1
    tree.write(ts_path, encoding="utf-8", xml_declaration=True)
    print(f"filled {filled}, still unfinished {missing}")
    return 0 if missing == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
