"""Simplified Chinese for the city-import strings (fill_translations.py input)."""

ZH = {
    ("CityImportDialog",
     "Nothing is written unless every row passes (or rejected rows are skipped). Officers and roads change "
     "on every seat at once; restart the app to see new boundaries and sites."):
        "只有全部记录通过校验（或选择跳过被拒记录）才会写入。人员和路网会立即在所有席位生效；"
        "新的边界和监管对象需重启程序后显示。",
}
