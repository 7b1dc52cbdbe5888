#!/usr/bin/env bash
# Install DispyCluster on one machine: a venv with the project, the systemd units, their env files.
#   sudo deploy/install-node.sh                 # a compute node: exporter + dispy node
#   sudo deploy/install-node.sh --role master   # also the web service
#   sudo deploy/install-node.sh --from-master 10.0.0.1   # a node on an offline LAN, from the master's index
#   deploy/install-node.sh --dry-run ...        # print what would be done, change nothing
#   sudo deploy/install-node.sh --tls-cert C --tls-key K --basic-auth-user prometheus
#                                               # the exporter serves HTTPS with basic auth
set -euo pipefail

usage() {
  cat <<USAGE
Usage: $0 [--role node|master] [--prefix DIR] [--source DIR] [--index-url URL | --from-master HOST[:PORT]]
          [--no-start] [--dry-run] [--tls-cert FILE --tls-key FILE] [--basic-auth-user NAME]
  --role      node (exporter + dispy node, default) or master (also the web service)
  --prefix    installation directory (default /opt/dispycluster; the venv goes in PREFIX/venv)
  --source    the DispyCluster source tree to install (default: the one this script is in)
  --index-url install the node from this package index only (the master's http://MASTER:8085/simple/),
              with no other network access; a node only, and it registers nothing by itself
  --from-master  same as --index-url http://HOST:PORT/simple/ (PORT defaults to 8085)
  --no-start  install and enable the units but do not start them
  --dry-run   print the commands instead of running them (no root needed)
  --tls-cert, --tls-key
              the exporter serves HTTPS with this certificate and key (absolute paths, readable by
              the dispycluster user; a renewed certificate is picked up without a restart)
  --basic-auth-user
              the exporter asks for this user name and a password: read from
              DISPYCLUSTER_BASIC_AUTH_PASSWORD, else from the terminal or standard input
Both write $web_config and point the exporter at it.
USAGE
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
role=node
prefix=/opt/dispycluster
source_dir="$(dirname "$here")"
start=yes
dry_run=no
index_url=
tls_cert=
tls_key=
auth_user=
web_config=/etc/dispycluster/exporter-web.yml

while [ $# -gt 0 ]; do
  case "$1" in
    --role) role="${2:?--role needs a value}"; shift 2 ;;
    --prefix) prefix="${2:?--prefix needs a value}"; shift 2 ;;
    --source) source_dir="${2:?--source needs a value}"; shift 2 ;;
    --index-url) index_url="${2:?--index-url needs a value}"; shift 2 ;;
    --from-master)
      master="${2:?--from-master needs a value}"
      case "$master" in *:*) ;; *) master="$master:8085" ;; esac
      index_url="http://$master/simple/"; shift 2 ;;
    --no-start) start=no; shift ;;
    --dry-run) dry_run=yes; shift ;;
    --tls-cert) tls_cert="${2:?--tls-cert needs a file}"; shift 2 ;;
    --tls-key) tls_key="${2:?--tls-key needs a file}"; shift 2 ;;
    --basic-auth-user) auth_user="${2:?--basic-auth-user needs a name}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

case "$role" in
  node) units=(dispycluster-exporter dispycluster-node) ;;
  master) units=(dispycluster-exporter dispycluster-node dispycluster-web) ;;
  *) echo "--role must be node or master, not '$role'" >&2; exit 2 ;;
esac
case "$prefix" in
  /*) ;;
  *) echo "--prefix must be an absolute path, not '$prefix'" >&2; exit 2 ;;
esac
if [ -n "$index_url" ]; then
  case "$index_url" in
    http://*|https://*) ;;
    *) echo "--index-url must be an http:// or https:// URL, not '$index_url'" >&2; exit 2 ;;
  esac
  if [ "$role" != node ]; then
    echo "--index-url installs a compute node only: the master's wheelhouse holds the node install" >&2
    exit 2
  fi
elif [ ! -f "$source_dir/pyproject.toml" ]; then
  echo "no pyproject.toml in '$source_dir': give the DispyCluster source tree with --source" >&2
  exit 2
fi
if [ -z "$tls_cert" ] && [ -n "$tls_key" ] || [ -n "$tls_cert" ] && [ -z "$tls_key" ]; then
  echo "--tls-cert and --tls-key go together" >&2
  exit 2
fi
for file in "$tls_cert" "$tls_key"; do
  case "$file" in
    '') ;;
    /*) [ -r "$file" ] || { echo "cannot read '$file'" >&2; exit 2; } ;;
    *) echo "--tls-cert and --tls-key need absolute paths, not '$file'" >&2; exit 2 ;;
  esac
done
# Plain names only: the name goes into YAML as is.
if [ -n "$auth_user" ] && ! [[ "$auth_user" =~ ^[A-Za-z0-9._-]+$ ]]; then
  echo "--basic-auth-user takes letters, digits, '.', '_' and '-', not '$auth_user'" >&2
  exit 2
fi
if [ "$dry_run" = no ] && [ "$(id -u)" -ne 0 ]; then
  echo "run as root (or with --dry-run to see what would be done)" >&2
  exit 1
fi

run() {
  if [ "$dry_run" = yes ]; then
    printf '+'; printf ' %q' "$@"; printf '\n'
  else
    "$@"
  fi
}

# A system user owns the services; jobs run as it too.
if ! id -u dispycluster >/dev/null 2>&1; then
  run useradd --system --home-dir /var/lib/dispycluster --shell /usr/sbin/nologin dispycluster
fi
run install -d -m 0755 "$prefix"
run install -d -m 0750 -o root -g dispycluster /etc/dispycluster
run python3 -m venv "$prefix/venv"
if [ -n "$index_url" ]; then
  # The master's index and nothing else: no pip configuration of this machine (it may name indexes
  # this LAN cannot reach), no upgrade of pip. Plain http is the LAN's own master, hence trusted-host.
  index_host="${index_url#*://}"
  index_host="${index_host%%/*}"
  run env PIP_CONFIG_FILE=/dev/null "$prefix/venv/bin/pip" install --isolated --quiet \
    --index-url "$index_url" --trusted-host "$index_host" dispycluster
else
  run "$prefix/venv/bin/pip" install --quiet --upgrade pip
  # A compute node gets the base install; the master adds the server extra (web service, UI, database).
  if [ "$role" = master ]; then
    run "$prefix/venv/bin/pip" install --quiet "$source_dir[server]"
  else
    run "$prefix/venv/bin/pip" install --quiet "$source_dir"
  fi
fi

# The units name /opt/dispycluster; another prefix is substituted on the way in.
install_unit() {
  local from="$here/systemd/$1.service" to="/etc/systemd/system/$1.service"
  if [ "$dry_run" = yes ]; then
    printf '+ sed s#/opt/dispycluster#%s#g %q > %q\n' "$prefix" "$from" "$to"
  else
    sed "s#/opt/dispycluster#$prefix#g" "$from" > "$to"
    chmod 0644 "$to"
  fi
}
for unit in "${units[@]}"; do
  install_unit "$unit"
done

# Env files are created once from the examples and never overwritten: they hold the secrets.
for env in exporter node $([ "$role" = master ] && echo web); do
  target="/etc/dispycluster/$env.env"
  if [ ! -e "$target" ]; then
    run install -m 0640 -o root -g dispycluster "$here/env/$env.env.example" "$target"
  fi
done

# --tls-cert/--tls-key/--basic-auth-user: the exporter's web config (exporter-toolkit's format).
yaml_quote() { printf "'%s'" "${1//\'/\'\'}"; }
if [ -n "$tls_cert$auth_user" ]; then
  config="# Written by install-node.sh: the exporter's --web.config.file (TLS and basic auth)."$'\n'
  if [ -n "$tls_cert" ]; then
    config+="tls_server_config:"$'\n'"  cert_file: $(yaml_quote "$tls_cert")"$'\n'
    config+="  key_file: $(yaml_quote "$tls_key")"$'\n'
  fi
  if [ -n "$auth_user" ]; then
    if [ "$dry_run" = yes ]; then
      hash='<bcrypt hash of the password>'
    else
      password="${DISPYCLUSTER_BASIC_AUTH_PASSWORD-}"
      if [ -z "$password" ] && [ -t 0 ]; then
        read -rsp "Password for $auth_user: " password; echo
      elif [ -z "$password" ]; then
        IFS= read -r password || true
      fi
      [ -n "$password" ] || { echo "no password for $auth_user" >&2; exit 2; }
      hash="$(printf '%s' "$password" | "$prefix/venv/bin/python" -c \
        'import sys, bcrypt; print(bcrypt.hashpw(sys.stdin.buffer.read(), bcrypt.gensalt(10)).decode())')"
    fi
    config+="basic_auth_users:"$'\n'"  $auth_user: $(yaml_quote "$hash")"$'\n'
  fi
  exporter_env=/etc/dispycluster/exporter.env
  if [ "$dry_run" = yes ]; then
    printf '+ write %s (0640 root:dispycluster):\n%s' "$web_config" "$config"
    printf '+ add --web.config.file=%s to EXPORTER_ARGS in %s\n' "$web_config" "$exporter_env"
  else
    install -m 0640 -o root -g dispycluster /dev/null "$web_config"
    printf '%s' "$config" > "$web_config"
    if ! grep -q -- "--web.config.file=" "$exporter_env"; then
      if grep -q '^EXPORTER_ARGS=' "$exporter_env"; then
        sed -i "s#^EXPORTER_ARGS=#EXPORTER_ARGS=--web.config.file=$web_config #" "$exporter_env"
      else
        echo "EXPORTER_ARGS=--web.config.file=$web_config" >> "$exporter_env"
      fi
    fi
  fi
fi

run systemctl daemon-reload
if [ "$start" = yes ]; then
  run systemctl enable --now "${units[@]}"
else
  run systemctl enable "${units[@]}"
fi
echo "DispyCluster $role installed in $prefix: ${units[*]}"
