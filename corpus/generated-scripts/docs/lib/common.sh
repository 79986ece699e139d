# Helpers shared by the documentation tests.
wait_until_up() {
  local base="http://localhost:$1"
  until curl -sf "$base/healthz" > /dev/null; do  # expect: ambient-tool
    sleep 1
  done
}
