#!/usr/bin/env bash
# Runs the sample SaaS application (samples/TenantKit.Samples.Saas) as a cluster on this machine: a throwaway
# PostgreSQL (the shared catalog) and Redis (the change feed and the rate-limit counters) on 127.0.0.1, and two or three
# sample nodes on http://localhost:5081, :5082, :5083, and in front of them the sample front on http://localhost:5080 (a
# YARP proxy with tenant affinity, samples/TenantKit.Samples.Front: each tenant's requests go to one node). Ctrl+C (or
# the script's end, however it ends) stops them all and removes the throwaway data. See docs/deployment.md for the tour
# and the failure drills.
#
#   bash eng/cluster.sh          # two nodes
#   bash eng/cluster.sh 3        # three nodes
#   bash eng/cluster.sh 2 --TenantKit:Catalog:FallbackChangePollInterval=00:00:01   # extra settings for every node
#
# Environment (all optional):
#   TENANTKIT_CLUSTER_PORT       the first node's port; node N listens on PORT+N-1 (default 5081)
#   TENANTKIT_CLUSTER_DATABASE   the catalog's database, created by the first node (default tenantkit_sample)
#   TENANTKIT_CLUSTER_ADMIN_KEY  the X-Admin-Key of the administration endpoints /admin/tenants (default: random, printed)
#   TENANTKIT_CLUSTER_REDIS      host:port of a Redis to use instead of starting one
#   TENANTKIT_TEST_POSTGRES      an Npgsql connection string of a PostgreSQL to use instead of starting one (its role
#                                needs CREATEDB; its Database is replaced by TENANTKIT_CLUSTER_DATABASE)
#   TENANTKIT_CLUSTER_SAMPLE     the sample's built TenantKit.Samples.Saas.dll: skips the build (default: builds Release)
#   TENANTKIT_CLUSTER_LOGS       the folder of the logs and of the nodes' restart scripts (default: a new temporary one)
#   TENANTKIT_CLUSTER_FRONT      the front: unset or empty, the sample front (samples/TenantKit.Samples.Front); 'none',
#                                no front (clients talk to the nodes); anything else, a command starting your own front
#                                instead (see FRONT HOOK below)
#   TENANTKIT_CLUSTER_FRONT_PORT the front's port (default 5080)
#   TENANTKIT_CLUSTER_FRONT_APP  the sample front's built TenantKit.Samples.Front.dll: skips its build (default: builds
#                                Release)
#   ASPNETCORE_ENVIRONMENT       the nodes' environment (default Production)
#
# Output: human-readable lines, and one machine-readable line per part (the cluster test reads them):
#   cluster-redis 127.0.0.1:PORT pid PID
#   cluster-node NAME http://localhost:PORT pid PID log FILE restart FILE
#   cluster-front http://localhost:PORT pid PID log FILE     (unless TENANTKIT_CLUSTER_FRONT=none)
#   cluster-admin-key KEY
#   cluster-ready
# A node killed in a drill stays down; `bash <restart file>` starts it again in the foreground (Ctrl+C stops it).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

nodes=${1:-2}
[ $# -gt 0 ] && shift
if ! [[ "$nodes" =~ ^[1-9]$ ]]; then
  echo "usage: bash eng/cluster.sh [nodes 1-9] [--Setting=value ...]" >&2
  exit 2
fi
extra=("$@")

port=${TENANTKIT_CLUSTER_PORT:-5081}
front=${TENANTKIT_CLUSTER_FRONT:-}
front_port=${TENANTKIT_CLUSTER_FRONT_PORT:-5080}
database=${TENANTKIT_CLUSTER_DATABASE:-tenantkit_sample}
admin_key=${TENANTKIT_CLUSTER_ADMIN_KEY:-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')}
logs=${TENANTKIT_CLUSTER_LOGS:-$(mktemp -d /tmp/tenantkit-cluster.XXXXXX)}
mkdir -p "$logs"

# Everything started is stopped, by process id, when the script ends: Ctrl+C, kill (TERM), an error, or the end.
node_pids=()
redis_pid=""
front_pid=""
cleanup_hooks=()
stopping=""
stop_all() {
  [ -n "$stopping" ] && return
  stopping=1
  echo "cluster: stopping"
  local pid
  for pid in ${front_pid:+"$front_pid"} "${node_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  # Nodes drain their requests and stop; whatever still runs after 10 s is killed.
  for _ in $(seq 1 100); do
    local alive=""
    for pid in ${front_pid:+"$front_pid"} "${node_pids[@]}"; do
      kill -0 "$pid" 2>/dev/null && alive=1
    done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for pid in ${front_pid:+"$front_pid"} "${node_pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ -n "$redis_pid" ]; then
    kill -TERM "$redis_pid" 2>/dev/null || true
  fi
  for hook in "${cleanup_hooks[@]:-}"; do [ -n "$hook" ] && eval "$hook" >/dev/null 2>&1 || true; done
  echo "cluster: stopped (logs in $logs)"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The sample, built once (Release), run from its project folder so its appsettings.json and wwwroot are found.
sample_dir="$root/samples/TenantKit.Samples.Saas"
sample=${TENANTKIT_CLUSTER_SAMPLE:-}
if [ -z "$sample" ]; then
  echo "cluster: building the sample (Release)"
  dotnet build "$sample_dir" -c Release -nologo -v q -clp:ErrorsOnly || { echo "cluster: the build failed" >&2; exit 1; }
  sample="$sample_dir/bin/Release/net10.0/TenantKit.Samples.Saas.dll"
fi
[ -f "$sample" ] || { echo "cluster: $sample was not found" >&2; exit 1; }

# The sample front (a YARP proxy with TenantKit.Yarp's TenantAffinity policy), built once (Release) unless another front
# (or none) is asked for.
front_dir="$root/samples/TenantKit.Samples.Front"
front_app=""
if [ -z "$front" ]; then
  front_app=${TENANTKIT_CLUSTER_FRONT_APP:-}
  if [ -z "$front_app" ]; then
    echo "cluster: building the front (Release)"
    dotnet build "$front_dir" -c Release -nologo -v q -clp:ErrorsOnly || { echo "cluster: the front's build failed" >&2; exit 1; }
    front_app="$front_dir/bin/Release/net10.0/TenantKit.Samples.Front.dll"
  fi
  [ -f "$front_app" ] || { echo "cluster: $front_app was not found" >&2; exit 1; }
fi

# PostgreSQL: the same throwaway server as the tests (eng/services/postgres.sh: initdb in a temporary folder, a free
# port on 127.0.0.1, run as the 'postgres' user when this script runs as root, a role with CREATEDB), unless
# TENANTKIT_TEST_POSTGRES names one already.
# shellcheck disable=SC1091
source eng/services/postgres.sh || { echo "cluster: PostgreSQL did not start" >&2; exit 1; }
postgres="$TENANTKIT_TEST_POSTGRES"
if [[ "$postgres" =~ (^|;)[[:space:]]*Database[[:space:]]*= ]]; then
  postgres=$(sed -E "s/(^|;)[[:space:]]*Database[[:space:]]*=[^;]*/\1Database=$database/I" <<<"$postgres")
else
  postgres="$postgres;Database=$database"
fi

# Redis: a throwaway server on a free port of 127.0.0.1, nothing saved to disk, unless TENANTKIT_CLUSTER_REDIS names one.
redis=${TENANTKIT_CLUSTER_REDIS:-}
if [ -z "$redis" ]; then
  # shellcheck disable=SC1091
  source eng/services/redis.sh || { echo "cluster: no redis-server" >&2; exit 1; }
  for _ in 1 2 3 4 5 6 7 8; do
    redis_port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && continue
    "$TENANTKIT_TEST_REDIS_SERVER" --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --daemonize no \
      >"$logs/redis.log" 2>&1 &
    redis_pid=$!
    for _ in $(seq 1 50); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null; then break; fi
      kill -0 "$redis_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$redis_pid" 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null; then
      redis="127.0.0.1:$redis_port"
      break
    fi
    kill "$redis_pid" 2>/dev/null; redis_pid=""
  done
  [ -n "$redis" ] || { echo "cluster: redis-server did not start:" >&2; tail -n 20 "$logs/redis.log" >&2; exit 1; }
  echo "cluster-redis $redis pid $redis_pid"
else
  echo "cluster: using the Redis at $redis"
fi

# One node: a restart script (its settings as environment variables, the same for every node but its name and port),
# run in the background with its output in a log file.
names=(a b c d e f g h i)
backends=()
start_node() {
  local index=$1 name=${names[$1]} node_port=$((port + $1))
  local script="$logs/node-$name.sh" log="$logs/node-$name.log"
  {
    echo "#!/usr/bin/env bash"
    echo "# Starts node $name of the cluster of eng/cluster.sh again (in the foreground; Ctrl+C stops it)."
    printf 'cd %q || exit 1\n' "$sample_dir"
    printf 'export ASPNETCORE_ENVIRONMENT=%q DOTNET_gcServer=0 DOTNET_NOLOGO=1\n' "${ASPNETCORE_ENVIRONMENT:-Production}"
    printf 'export ConnectionStrings__Postgres=%q\n' "$postgres"
    printf 'export ConnectionStrings__Redis=%q\n' "$redis"
    printf 'export TenantKit__Redis__ChangeFeed__NodeId=%q\n' "$name"
    printf 'export Sample__Host__AdminKey=%q\n' "$admin_key"
    printf 'export Sample__NodeName=%q\n' "$name"
    printf 'export Sample__AllowedHosts__0=127.0.0.1\n'
    printf 'exec dotnet %q --urls %q' "$sample" "http://localhost:$node_port"
    [ ${#extra[@]} -gt 0 ] && printf ' %q' "${extra[@]}"
    echo
  } >"$script"
  chmod +x "$script"
  bash "$script" >"$log" 2>&1 &
  node_pids+=("$!")
  backends+=("http://localhost:$node_port")
  echo "cluster-node $name http://localhost:$node_port pid $! log $log restart $script"
}

# Whether http://localhost:PORT/health answers 200 (Healthy or Degraded), with bash alone (no curl needed).
health_ok() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /health HTTP/1.1\r\nHost: localhost:%s\r\nConnection: close\r\n\r\n' "$1" >&3
    read -r -t 5 status <&3 || exit 1
    [[ "$status" == "HTTP/1.1 200"* ]]
  ) 2>/dev/null
}

# Ready: /health answers 200. The first node creates the database, its tables and the seed tenants, alone; the others
# start together once it is ready.
wait_ready() {
  local index=$1 name=${names[$1]} node_port=$((port + $1)) pid=${node_pids[$1]}
  for _ in $(seq 1 1800); do
    kill -0 "$pid" 2>/dev/null || { echo "cluster: node $name exited:" >&2; tail -n 30 "$logs/node-$name.log" >&2; return 1; }
    health_ok "$node_port" && return 0
    sleep 0.1
  done
  echo "cluster: node $name was not ready within 180 s:" >&2; tail -n 30 "$logs/node-$name.log" >&2
  return 1
}

for ((i = 0; i < nodes; i++)); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$((port + i))") 2>/dev/null; then
    echo "cluster: port $((port + i)) is taken (set TENANTKIT_CLUSTER_PORT)" >&2
    exit 1
  fi
done
if [ "$front" != "none" ] && (exec 3<>"/dev/tcp/127.0.0.1/$front_port") 2>/dev/null; then
  echo "cluster: the front's port $front_port is taken (set TENANTKIT_CLUSTER_FRONT_PORT, or TENANTKIT_CLUSTER_FRONT=none)" >&2
  exit 1
fi
start_node 0
wait_ready 0 || exit 1
for ((i = 1; i < nodes; i++)); do start_node "$i"; done
for ((i = 1; i < nodes; i++)); do wait_ready "$i" || exit 1; done

# ---- FRONT HOOK ----------------------------------------------------------------------------------------------------
# The front starts once every node is ready. By default it is the sample front (samples/TenantKit.Samples.Front: YARP
# with TenantKit.Yarp's TenantAffinity policy, active health checks on the nodes' /health and passive ones), from its
# restart script front.sh. TENANTKIT_CLUSTER_FRONT=none starts no front; any other value is a command starting your own
# (nginx, HAProxy, another YARP...), run with TENANTKIT_CLUSTER_BACKENDS (the nodes' addresses, space-separated, node a
# first) and TENANTKIT_CLUSTER_FRONT_PORT in its environment. Either way its output goes to front.log, it is stopped
# with the nodes, and the cluster is ready once GET /health through it answers 200.
if [ "$front" != "none" ]; then
  front_command=$front
  if [ -z "$front_command" ]; then
    {
      echo "#!/usr/bin/env bash"
      echo "# Starts the front of the cluster of eng/cluster.sh again (in the foreground; Ctrl+C stops it)."
      printf 'cd %q || exit 1\n' "$front_dir"
      printf 'export ASPNETCORE_ENVIRONMENT=%q DOTNET_gcServer=0 DOTNET_NOLOGO=1\n' "${ASPNETCORE_ENVIRONMENT:-Production}"
      printf 'export TENANTKIT_CLUSTER_BACKENDS=%q\n' "${backends[*]}"
      printf 'exec dotnet %q --urls %q\n' "$front_app" "http://localhost:$front_port"
    } >"$logs/front.sh"
    chmod +x "$logs/front.sh"
    front_command="exec bash $(printf %q "$logs/front.sh")"
  fi
  TENANTKIT_CLUSTER_BACKENDS="${backends[*]}" TENANTKIT_CLUSTER_FRONT_PORT=$front_port \
    bash -c "$front_command" >"$logs/front.log" 2>&1 &
  front_pid=$!
  echo "cluster-front http://localhost:$front_port pid $front_pid log $logs/front.log"
  front_ready=""
  for _ in $(seq 1 600); do
    kill -0 "$front_pid" 2>/dev/null || break
    health_ok "$front_port" && { front_ready=1; break; }
    sleep 0.1
  done
  if [ -z "$front_ready" ]; then
    echo "cluster: the front did not answer GET /health on port $front_port within 60 s:" >&2
    tail -n 30 "$logs/front.log" >&2
    exit 1
  fi
fi
# --------------------------------------------------------------------------------------------------------------------

echo "cluster-admin-key $admin_key"
if [ "$front" = "none" ]; then
  entry=$port
  front_line="none (TENANTKIT_CLUSTER_FRONT=none): clients talk to the nodes"
  tenants_note="(any node's port)"
elif [ -z "$front" ]; then
  entry=$front_port
  front_line="http://localhost:$front_port   (YARP, TenantAffinity: each tenant on one node, named by X-Sample-Node)"
  tenants_note="(through the front; any node's port works too)"
else
  entry=$front_port
  front_line="http://localhost:$front_port   (TENANTKIT_CLUSTER_FRONT)"
  tenants_note="(through the front; any node's port works too)"
fi
cat <<EOF

TenantKit sample cluster: $nodes nodes on PostgreSQL (database $database) with Redis at $redis.
  Front          $front_line
  Nodes          ${backends[*]}
  Tenants        http://acme.localhost:$entry/   http://globex.localhost:$entry/   $tenants_note
  Host console   http://localhost:$entry/console   (user admin, password tenantkit)
  Administration curl -H 'X-Admin-Key: $admin_key' http://localhost:$entry/admin/tenants
  Health         http://localhost:$entry/health
  Logs           $logs
  Press Ctrl+C to stop everything.
EOF
echo "cluster-ready"

# Runs until Ctrl+C or TERM; a node killed in a drill does not stop the cluster.
while :; do
  sleep 1 &
  wait $! 2>/dev/null
done
