#!/usr/bin/env bash
# Translations: extract the English texts, merge them into the Chinese catalog, compile it.
# Edit api/translations/zh/LC_MESSAGES/messages.po, then run this again; commit both .po and .mo.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -F babel.cfg -k _ -k _l -k gettext -k N_ -k NC_:1c,2 -o /tmp/jieyue-messages.pot . >/dev/null
if [ -f api/translations/zh/LC_MESSAGES/messages.po ]; then
  .venv/bin/pybabel update -i /tmp/jieyue-messages.pot -d api/translations -l zh --no-fuzzy-matching >/dev/null
else
  .venv/bin/pybabel init -i /tmp/jieyue-messages.pot -d api/translations -l zh >/dev/null
fi
.venv/bin/pybabel compile -d api/translations -l zh --statistics
