#!/usr/bin/env bash
# Refresh the translation sources from the code, then compile them for the wheel.
#
#   scripts/build-translations.sh            update every resources/i18n/commandmap_*.ts, build its .qm
#   scripts/build-translations.sh de fr      also start catalogues for new languages (commandmap_de.ts, ...)
#   scripts/build-translations.sh --into DIR work on copies in DIR, leave resources/ alone (the tests)
#
# lupdate keeps every existing translation and drops strings the code no longer has
# (-no-obsolete); new strings arrive "unfinished". Translate them in Qt Linguist
# (`pyside6-linguist resources/i18n/commandmap_zh_CN.ts`), then run this again:
# lrelease compiles finished entries only. Tools: $LUPDATE / $LRELEASE, else the
# project's .venv, else pyside6-lupdate / pyside6-lrelease on PATH.
set -euo pipefail
shopt -s nullglob
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

tool() {   # tool NAME -> command to run
  if [ -x ".venv/bin/pyside6-$1" ]; then echo ".venv/bin/pyside6-$1"
  elif command -v "pyside6-$1" >/dev/null 2>&1; then command -v "pyside6-$1"
  else echo "build-translations: pyside6-$1 not found (install the project: scripts/setup.sh)" >&2; exit 2
  fi
}
LUPDATE=${LUPDATE:-$(tool lupdate)}
LRELEASE=${LRELEASE:-$(tool lrelease)}

out=resources/i18n
new_langs=()
while (($#)); do
  case "$1" in
    --into) out=$(cd "$2" && pwd); cp resources/i18n/commandmap_*.ts "$out"/; shift 2 ;;
    -*) echo "build-translations: unknown option $1" >&2; exit 2 ;;
    *) new_langs+=("$1"); shift ;;
  esac
done

ts_files=("$out"/commandmap_*.ts)
for lang in "${new_langs[@]}"; do
  [ -e "$out/commandmap_$lang.ts" ] || ts_files+=("$out/commandmap_$lang.ts")
done

# Every .py of the app and the map layers.
sources=()
while IFS= read -r f; do
  sources+=("$f")
done < <(find commandmap layers -name '*.py' -not -path '*/__pycache__/*' | sort)

"$LUPDATE" -no-obsolete -locations relative -source-language en "${sources[@]}" -ts "${ts_files[@]}"
for ts in "${ts_files[@]}"; do
  "$LRELEASE" -silent -nounfinished "$ts" -qm "${ts%.ts}.qm"
done
echo "build-translations: $(printf '%s ' "${ts_files[@]##*/}")-> .qm in $out"
