#!/usr/bin/env bash
# Regenerates wordpress-plugin/languages/wu-runcloud.pot from the plugin's PHP sources
# (xgettext, WordPress's i18n functions, translator comments). Run after changing a string.
set -euo pipefail
cd "$(dirname "$0")/../wordpress-plugin"
find . -name '*.php' -not -path './languages/*' | sort | sed 's|^\./||' >/tmp/wu-pot-files.$$
trap 'rm -f /tmp/wu-pot-files.$$' EXIT
xgettext --language=PHP --from-code=UTF-8 --add-comments=translators: \
  --package-name=wu-runcloud --package-version="$(sed -n "s/^define('WU_RUNCLOUD_PLUGIN_VERSION', '\(.*\)');/\1/p" wu-runcloud.php)" \
  --keyword=__ --keyword=_e --keyword=esc_html__ --keyword=esc_html_e --keyword=esc_attr__ --keyword=esc_attr_e \
  --keyword=_x:1,2c --keyword=esc_html_x:1,2c --keyword=esc_attr_x:1,2c --keyword=_ex:1,2c \
  --keyword=_n:1,2 --keyword=_nx:1,2,4c --keyword=_n_noop:1,2 \
  --files-from=/tmp/wu-pot-files.$$ --output=languages/wu-runcloud.pot
