# Sourced by the browser tests' runners (after setting `here` to this folder): where Chromium
# is, and an exit 77 (ctest SKIP) with the reason when a tool the test needs is missing.
chromium="${KINOGLAZ_CHROMIUM:-/usr/bin/chromium}"

skip() {
  echo "SKIP: $*"
  exit 77
}

# Chromium, node and playwright-core, then each further program named.
require_browser_and() {
  [ -x "$chromium" ] || skip "no Chromium at $chromium (apt-get install chromium)"
  command -v node >/dev/null || skip "node is not installed (apt-get install nodejs npm)"
  [ -d "$here/node_modules/playwright-core" ] || skip "playwright-core missing: run 'npm ci' in $here"
  local program
  for program in "$@"; do
    command -v "$program" >/dev/null || skip "$program is not installed"
  done
}
