#!/usr/bin/env bash
# Install DispyCluster on one machine: a venv with the project, the systemd units, their env files.
#   sudo deploy/install-node.sh                 # a compute node: exporter + dispy node
#   sudo deploy/install-node.sh --role master   # also the web service
#   sudo deploy/install-node.sh --from-master 10.0.0.1   # a node on an offline LAN, from the master's index
#   deploy/install-node.sh --dry-run ...        # print what would be done, change nothing
set -euo pipefail

usage() {
  cat <<USAGE
Usage: $0 [--role node|master] [--prefix DIR] [--source DIR] [--index-url URL | --from-master HOST[:PORT]]
          [--no-start] [--dry-run]
  --role      node (exporter + dispy node, default) or master (also the web service)
  --prefix    installation directory (default /opt/dispycluster; the venv goes in PREFIX/venv)
  --source    the DispyCluster source tree to install (default: the one this script is in)
  --index-url install the node from this package index only (the master's http://MASTER:8085/simple/),
              with no other network access; a node only, and it registers nothing by itself
  --from-master  same as --index-url http://HOST:PORT/simple/ (PORT defaults to 8085)
  --no-start  install and enable the units but do not start them
  --dry-run   print the commands instead of running them (no root needed)
USAGE
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
role=node
prefix=/opt/dispycluster
source_dir="$(dirname "$here")"
start=yes
dry_run=no
index_url=

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

run systemctl daemon-reload
if [ "$start" = yes ]; then
  run systemctl enable --now "${units[@]}"
else
  run systemctl enable "${units[@]}"
fi
echo "DispyCluster $role installed in $prefix: ${units[*]}"
