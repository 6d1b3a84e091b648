# Shared by Aula's setup and test commands: Debian packages found by a command they provide, installed with
# apt-get when running as root, otherwise named in one line so the operator knows what to install.
# Usage: ensure_packages "command:package" …   (a command of "initdb" is looked for under /usr/lib/postgresql)

has_command() {
  if [ "$1" = initdb ]; then ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; else command -v "$1" >/dev/null 2>&1; fi
}

ensure_packages() {
  local missing=() pair
  for pair in "$@"; do has_command "${pair%%:*}" || missing+=("${pair#*:}"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "aula: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "aula: missing ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
}
