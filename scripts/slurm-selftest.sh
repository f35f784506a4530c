#!/usr/bin/env bash
# End-to-end test of scripts/slurm-array.sh on a real Slurm: a one-node cluster on 127.0.0.1, started here.
#
#   scripts/slurm-selftest.sh
#
# 1. Installs Debian's slurm-wlm and munge with apt-get when they are missing (as root, or through sudo).
# 2. Starts a private munged (own key and socket) and slurmctld and slurmd in the foreground under setsid,
#    with a one-node slurm.conf in a temporary directory (state, spool, logs and pid files there too; free
#    ports; no systemd, cgroups or accounting needed).
# 3. Submits the quickstart sweep as 3 array tasks plus the dependent merge, waits for it
#    (`slurm-array.sh --wait`), and checks that the merged directory equals an unsharded run outside
#    `timing`: every run file, summary.csv and traces.csv (without their time column), and
#    `optzoo compare` finds no change.
# 4. Poisons one shard (its output path is a file, so that task exits 2) and checks that the array script
#    reports the failed shard, cancels the merge that could never run, and exits 1.
# The daemons it started are stopped by their PIDs on exit, whatever happens. Takes about 15 s once the
# packages are installed. OPTZOO names the binary to test (default: target/release/optzoo, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$(date +%s)

say() { echo "slurm-selftest: $*"; }
die() {
    echo "slurm-selftest: FAILED: $*" >&2
    exit 1
}

# --- 1. packages -------------------------------------------------------------------------------------------
as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        die "need root or sudo to run: $*"
    fi
}
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null \
    || ! command -v sbatch >/dev/null; then
    say "installing slurm-wlm and munge"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi
# The daemons live in sbin, which a non-root PATH may lack.
PATH=$PATH:/usr/sbin:/sbin
if [ "$(id -u)" != 0 ]; then
    die "the daemons run as root (SlurmUser=root); run this as root"
fi

optzoo=${OPTZOO:-$root/target/release/optzoo}
if [ ! -x "$optzoo" ]; then
    say "building optzoo"
    cargo build --release --quiet
fi
case $optzoo in /*) ;; *) optzoo=$root/$optzoo ;; esac

# --- 2. the cluster ----------------------------------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/optzoo-slurm.XXXXXX")
pids=()
stop_daemons() {
    local status=$? pid
    for name in slurmd slurmctld munged; do
        pid=$(cat "$tmp/$name.pid" 2>/dev/null || true)
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "$status" != 0 ]; then
        for log in slurmctld.log slurmd.log munged.log; do
            [ -s "$tmp/$log" ] && { echo "--- end of $log" >&2; tail -n 15 "$tmp/$log" >&2; }
        done
    fi
    rm -rf "$tmp"
}
trap stop_daemons EXIT

# Two free TCP ports for slurmctld and slurmd, so a cluster already on this machine is left alone.
port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
base=0
for _ in $(seq 1 50); do
    candidate=$((20000 + RANDOM % 30000))
    if port_free "$candidate" && port_free $((candidate + 1)); then
        base=$candidate
        break
    fi
done
[ "$base" != 0 ] || die "no two free ports found"

mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/work"
chmod 700 "$tmp/munge"
mungekey --create --keyfile="$tmp/munge/munge.key" 2>/dev/null \
    || dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$tmp/munge/munge.key"
socket=$tmp/munge/munge.socket
setsid munged --foreground --force --socket="$socket" --key-file="$tmp/munge/munge.key" \
    --pid-file="$tmp/munged.pid" --log-file="$tmp/munged.log" --seed-file="$tmp/munge/seed" \
    </dev/null >>"$tmp/munged.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do
    munge -n -S "$socket" 2>/dev/null | unmunge -S "$socket" >/dev/null 2>&1 && break
    sleep 0.1
done
munge -n -S "$socket" | unmunge -S "$socket" >/dev/null || die "munged did not start"

host=$(hostname -s)
cpus=$(nproc)
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=optzoo-selftest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
SlurmdParameters=config_overrides
NodeName=optzoo-node NodeHostname=$host NodeAddr=127.0.0.1 CPUs=$cpus Sockets=1 CoresPerSocket=$cpus ThreadsPerCore=1 State=UNKNOWN
PartitionName=optzoo Nodes=optzoo-node Default=YES MaxTime=INFINITE State=UP
EOF

setsid slurmctld -D -c -f "$SLURM_CONF" </dev/null >>"$tmp/slurmctld.log" 2>&1 &
pids+=($!)
setsid slurmd -D -N optzoo-node -f "$SLURM_CONF" </dev/null >>"$tmp/slurmd.log" 2>&1 &
pids+=($!)
state=""
for _ in $(seq 1 150); do
    state=$(sinfo -h -n optzoo-node -o %T 2>/dev/null || true)
    case $state in idle*) break ;; esac
    sleep 0.2
done
case $state in idle*) ;; *) die "the node did not come up (state '$state')" ;; esac
say "one-node cluster up on 127.0.0.1:$base after $(($(date +%s) - started)) s"

# --- 3. three shards and the merge equal the unsharded sweep ----------------------------------------------
cd "$tmp/work"
export OPTZOO=$optzoo
"$root/scripts/slurm-array.sh" --wait --timeout 300 quickstart sharded 3 || die "the array or its merge failed"
"$optzoo" run quickstart --out whole >/dev/null 2>&1 || die "the unsharded run failed"

for k in 1 2 3; do
    [ "$(find "sharded/shard-$k/runs" -name '*.json' | wc -l)" -gt 0 ] || die "shard $k holds no runs"
done
strip_timing() { # DIR OUT: every run file without its `timing` object (the last key), tables without time
    mkdir -p "$2/runs"
    for f in "$1"/runs/*.json; do sed '/^  "timing": {/,$d' "$f" >"$2/runs/$(basename "$f")"; done
    for t in summary.csv traces.csv; do sed 's/,[^,]*$//' "$1/$t" >"$2/$t"; done
}
strip_timing whole cmp-whole
strip_timing sharded/merged cmp-merged
[ "$(ls cmp-whole/runs | wc -l)" -gt 0 ] || die "the unsharded run wrote no runs"
diff -r cmp-whole cmp-merged >diff.txt || { head -n 20 diff.txt >&2; die "merged shards differ from the unsharded run"; }
"$optzoo" compare whole sharded/merged >compare.txt || { cat compare.txt >&2; die "compare found a change"; }
say "3 shards merged = the unsharded sweep ($(ls cmp-whole/runs | wc -l) runs, outside timing)"

# --- 4. a failed shard is reported and its merge cancelled -------------------------------------------------
mkdir -p poisoned
echo "not a directory" >poisoned/shard-2 # `optzoo run --out poisoned/shard-2` exits 2
set +e
"$root/scripts/slurm-array.sh" --wait --timeout 120 quickstart poisoned 3 >poisoned.out 2>poisoned.err
code=$?
set -e
[ "$code" = 1 ] || { cat poisoned.out poisoned.err >&2; die "a failed shard: expected exit 1, got $code"; }
grep -q "shard 2/3: FAILED" poisoned.err || { cat poisoned.err >&2; die "the failed shard is not named"; }
grep -q "not a directory" poisoned.err || { cat poisoned.err >&2; die "the shard's error is not quoted"; }
merge_job=$(sed -n 's/.*the merge as job \([0-9]*\).*/\1/p' poisoned.out)
[ -n "$merge_job" ] || die "no merge job id in: $(cat poisoned.out)"
left=$(squeue -h -j "$merge_job" -t PENDING,RUNNING 2>/dev/null || true)
[ -z "$left" ] || die "the merge job is still queued: $left"
[ ! -e poisoned/merged ] || die "a merge ran despite the failed shard"
sed "s/^/    /" poisoned.err
say "a failed shard is reported (exit 1) and its merge cancelled"

say "passed in $(($(date +%s) - started)) s"
