# Helpers shared by the documentation tests.
wait_until_up() {
  until curl -sf "http://localhost:$1/healthz" > /dev/null; do  # expect: ambient-tool
    sleep 1
  done
}
