#!/usr/bin/env bash
# The Debian packages of requirements/debian.txt (needs root, as CI and these machines run).
#   tools/system_packages.sh             installs those dpkg does not list; runs no apt-get when all are there
#   tools/system_packages.sh --missing   prints those it would install here
#   tools/system_packages.sh --simulate  `apt-get install -s` of the whole list, as a bare machine would
#                                        install it (answers even when the packages are installed)
set -euo pipefail
cd "$(dirname "$0")/.."
# PC_DEBIAN_PACKAGES: another list, for the test that shows the simulation refuses a conflicting one.
mapfile -t wanted < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "${PC_DEBIAN_PACKAGES:-requirements/debian.txt}")
install=(apt-get install -y)

if [[ "${1:-}" == "--simulate" ]]; then
  # Package lists are needed to answer at all; a machine that never ran apt-get update has none.
  compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || apt-get update -qq
  exec env DEBIAN_FRONTEND=noninteractive "${install[@]}" -s "${wanted[@]}"
fi

missing=()
for package in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if [[ "${1:-}" == "--missing" ]]; then
  ((${#missing[@]} == 0)) || printf '%s\n' "${missing[@]}"
  exit 0
fi
((${#missing[@]} == 0)) && exit 0
echo "installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${install[@]}" "${missing[@]}"
