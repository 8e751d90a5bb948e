"""Chinese for the workstation strings added in session 4 (see scripts/fill_translations.py)."""

ZH = {
    ("DispatchController", "{code} already has an officer ({name}): choose a candidate with 1–5 to reassign it"):
        "{code} 已有处置队员（{name}）：如需改派，请先按 1–5 选择队员",
}
