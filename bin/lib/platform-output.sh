# What bin/platform prints and keeps besides the services themselves: log rotation, the dashboard
# notice and the closing summary. Sourced by bin/platform; kept apart so a test can call each
# function on its own, without starting the platform.

# Keeps the previous starts' logs: NAME.log becomes NAME.log.1, NAME.log.1 becomes NAME.log.2, ...,
# and the oldest beyond KEEP (at least 1) is dropped, so a start never overwrites what the last one wrote.
rotate_log() { # file keep
  local file=$1 keep=$2 i
  rm -f "$file.$keep"
  for ((i = keep - 1; i >= 1; i--)); do
    if [ -e "$file.$i" ]; then mv -f "$file.$i" "$file.$((i + 1))"; fi
  done
  if [ -e "$file" ]; then mv -f "$file" "$file.1"; fi
  return 0
}

# Printed as soon as the gateway answers, before the demo's work: the first thing a user can open.
dashboard_notice() { # gateway-url key-hint
  cat <<NOTICE

Dashboard: $1/
  Sign in with the admin key: paste $2.
NOTICE
}

# The closing summary: the platform's doors while it keeps running; under --exit, that it stops.
final_summary() { # keeps-running(true|false) gateway-url key-hint data-dir ran-demo(true|false)
  local running=$1 gateway=$2 key=$3 data=$4 demo=$5
  if $running; then
    cat <<READY

The platform is running.
  Dashboard:  $gateway/   (sign in with $key)
  Swagger UI: $gateway/swagger-ui.html
  Admin key:  $key   (send it as X-API-Key)
  Logs:       $data/logs   (each service's last starts too: gateway.log.1 is the one before)
READY
  else
    echo
    if $demo; then
      echo "The demo is done; stopping the platform (--exit)."
      echo "  Results:    $data/demo"
    else
      echo "Stopping the platform (--exit)."
    fi
    cat <<STOPPING
  Logs:       $data/logs
  Dashboard:  $gateway/ again after bin/platform up (sign in with $key); every run is kept.
STOPPING
  fi
}
