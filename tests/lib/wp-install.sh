#!/usr/bin/env bash
# Installs a real WordPress multisite from Debian's `wordpress` package into a directory.
#
#   tests/lib/wp-install.sh --dir DIR --socket SOCK --db NAME --domain network.test \
#       --mode subdomain|subdirectory [--extra-config FILE.php] [--plugin PATH [--activate]] \
#       [--admin-password PW] [--scheme http|https]
#
# - copies /usr/share/wordpress (dereferenced, without translations) to DIR;
# - writes DIR/wp-config.php: DB over the unix socket SOCK (root, no password), random salts,
#   WP_DEBUG_LOG to DIR/debug.log, WP_HTTP_BLOCK_EXTERNAL and DISABLE_WP_CRON (no outside
#   traffic, cron only when run explicitly); it includes DIR/wp-config-extra.php (a copy of
#   --extra-config: put WU_RUNCLOUD_* constants there) and DIR/wp-config-multisite.php;
# - (re)creates database NAME, installs the main site (user `admin`, password --admin-password,
#   default `admin`) and the network with the given mode;
# - with --plugin, links PATH to DIR/wp-content/plugins/wu-runcloud; with --activate also
#   network-activates wu-runcloud/wu-runcloud.php (fails loudly if activation fails).
# Prints nothing but errors; exits non-zero on any failure. Needs the MariaDB from mariadb.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

dir= sock= db= domain= mode= extra= plugin= activate=0 pw=admin scheme=http
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --socket) sock=$2; shift 2 ;;
    --db) db=$2; shift 2 ;;
    --domain) domain=$2; shift 2 ;;
    --mode) mode=$2; shift 2 ;;
    --extra-config) extra=$2; shift 2 ;;
    --plugin) plugin=$2; shift 2 ;;
    --activate) activate=1; shift ;;
    --admin-password) pw=$2; shift 2 ;;
    --scheme) scheme=$2; shift 2 ;;
    *) echo "wp-install.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for v in dir sock db domain mode; do
  [ -n "${!v}" ] || { echo "wp-install.sh: --$v is required" >&2; exit 2; }
done
case "$mode" in subdomain|subdirectory) ;; *) echo "wp-install.sh: --mode must be subdomain or subdirectory" >&2; exit 2 ;; esac
[[ "$db" =~ ^[A-Za-z0-9_]+$ ]] || { echo "wp-install.sh: --db must match [A-Za-z0-9_]+" >&2; exit 2; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rm -rf "${dir:?}"/*
tar -C /usr/share/wordpress -chf - --exclude='./wp-content/languages' --exclude='./.htaccess' . | tar -C "$dir" -xf -
mkdir -p "$dir/wp-content/languages" "$dir/wp-content/uploads" "$dir/wp-content/mu-plugins"
# No mail server here: WordPress's mails go to wp-content/mail.log instead of sendmail.
cat > "$dir/wp-content/mu-plugins/wu-test-mail.php" <<'PHP'
<?php
// Written by tests/lib/wp-install.sh: keep WordPress's mails in a file, never send them.
add_filter('pre_wp_mail', static function ($return, $atts) {
    file_put_contents(WP_CONTENT_DIR . '/mail.log', gmdate('c') . ' to=' . implode(',', (array) $atts['to']) . ' subject=' . $atts['subject'] . "\n", FILE_APPEND);
    return true;
}, 10, 2);
PHP

salt() { head -c 48 /dev/urandom | base64 | tr -d '\n/+='; }
{
  echo "<?php"
  echo "// Written by tests/lib/wp-install.sh"
  echo "define('DB_NAME', '$db');"
  echo "define('DB_USER', 'root');"
  echo "define('DB_PASSWORD', '');"
  echo "define('DB_HOST', 'localhost:$sock');"
  echo "define('DB_CHARSET', 'utf8mb4');"
  echo "define('DB_COLLATE', '');"
  for k in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
    echo "define('$k', '$(salt)');"
  done
  echo "\$table_prefix = 'wp_';"
  echo "define('WP_DEBUG', true);"
  echo "define('WP_DEBUG_LOG', __DIR__ . '/debug.log');"
  echo "define('WP_DEBUG_DISPLAY', false);"
  echo "define('WP_HTTP_BLOCK_EXTERNAL', true);"
  echo "define('DISABLE_WP_CRON', true);"
  echo "define('AUTOMATIC_UPDATER_DISABLED', true);"
  echo "define('WP_AUTO_UPDATE_CORE', false);"
  echo "define('WP_ALLOW_MULTISITE', true);"
  echo "if (is_file(__DIR__ . '/wp-config-extra.php')) { require __DIR__ . '/wp-config-extra.php'; }"
  echo "if (is_file(__DIR__ . '/wp-config-multisite.php')) { require __DIR__ . '/wp-config-multisite.php'; }"
  echo "if (!defined('ABSPATH')) { define('ABSPATH', __DIR__ . '/'); }"
  echo "require_once ABSPATH . 'wp-settings.php';"
} > "$dir/wp-config.php"
if [ -n "$extra" ]; then cp "$extra" "$dir/wp-config-extra.php"; fi

mariadb --no-defaults --socket="$sock" -uroot -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4"

if [ -n "$plugin" ]; then
  plugin=$(cd "$plugin" && pwd)
  ln -sfn "$plugin" "$dir/wp-content/plugins/wu-runcloud"
fi

php "$here/wp-install.php" install "$dir" "$domain" "$mode" "$pw" "$scheme"
if [ "$activate" = 1 ]; then
  [ -n "$plugin" ] || { echo "wp-install.sh: --activate needs --plugin" >&2; exit 2; }
  php "$here/wp-install.php" activate "$dir" "$domain" "$mode" "$pw" "$scheme"
fi
