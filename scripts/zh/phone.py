"""Chinese for the strings of issue #16 (the officer's phone): the timeline's phone steps."""

ZH = {
    ("TimelineDock", " on the phone after {took}"): "（手机端，派单后 {took}）",
    ("TimelineDock", " on the phone"): "（手机端）",
}
