# Starts the documentation server for tests.
source "docs/lib/common.sh"

start_server() {
  wait_until_up "$1"
}
