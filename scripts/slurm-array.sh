#!/usr/bin/env bash
# Run an optzoo sweep as a Slurm job array, one shard per array task, then merge the shards.
#
#   scripts/slurm-array.sh [--wait] [--timeout SECONDS] CONFIG OUT [SHARDS]
#
# submits SHARDS array tasks (default 16), each running `optzoo run CONFIG --shard K/SHARDS --out OUT/shard-K`
# with the cores Slurm gives it, and a dependent job that merges the shards into OUT/merged once every task
# has succeeded. Extra sbatch options (partition, account, time) can be passed in SBATCH_OPTS. The optzoo
# binary is taken from OPTZOO (default: optzoo on PATH); it is resolved to an absolute path and checked before
# anything is submitted. Jobs run in the current directory, so relative CONFIG and OUT paths work.
# Resubmitting resumes: finished runs are skipped.
#
# With --wait the script stays until the merge has finished (or --timeout SECONDS, default 3600, has passed)
# and exits 0 only when it succeeded. When a shard fails, the merge can never start (its afterok dependency
# is never satisfied): the merge job is cancelled, the failed tasks are listed with their exit codes and the
# end of their logs, and the script exits 1. Job states are read with scontrol, so no accounting is needed.
set -euo pipefail
me=$(basename "$0")

usage() {
    echo "usage: $me [--wait] [--timeout SECONDS] CONFIG OUT [SHARDS]" >&2
    exit 2
}

wait_for_it=0
timeout_s=3600
while [ $# -gt 0 ]; do
    case $1 in
    --wait) wait_for_it=1; shift ;;
    --timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift 2 ;;
    --) shift; break ;;
    -*) usage ;;
    *) break ;;
    esac
done
[ $# -ge 2 ] && [ $# -le 3 ] || usage
config=$1
out=$2
shards=${3:-16}
case $shards in '' | *[!0-9]* | 0) echo "$me: SHARDS must be a positive integer, got '$shards'" >&2; exit 2 ;; esac
case $timeout_s in '' | *[!0-9]*) echo "$me: --timeout must be a number of seconds, got '$timeout_s'" >&2; exit 2 ;; esac

# An array task that cannot find the binary fails on the node; find out here instead.
optzoo=$(command -v "${OPTZOO:-optzoo}" || true)
if [ -z "$optzoo" ] || [ ! -x "$optzoo" ]; then
    echo "$me: optzoo binary '${OPTZOO:-optzoo}' not found or not executable (set OPTZOO)" >&2
    exit 2
fi
case $optzoo in /*) ;; *) optzoo=$PWD/$optzoo ;; esac
# The config is checked before an array is spent on it (exit 2 with the config's own located error).
"$optzoo" run "$config" --dry-run --out "$out/shard-1" >/dev/null

mkdir -p "$out/logs"
q_optzoo=$(printf '%q' "$optzoo")
q_config=$(printf '%q' "$config")
q_out=$(printf '%q' "$out")

# --parsable prints "jobid" or "jobid;cluster".
array_job=$(sbatch --parsable ${SBATCH_OPTS:-} \
    --job-name=optzoo-shard --array="1-$shards" \
    --output="$out/logs/shard-%a.log" \
    --wrap="$q_optzoo run $q_config --shard \$SLURM_ARRAY_TASK_ID/$shards --jobs \${SLURM_CPUS_PER_TASK:-1} --out $q_out/shard-\$SLURM_ARRAY_TASK_ID")
array_job=${array_job%%;*}

# Only this submission's shards are merged (a directory of an earlier submission with more shards is not).
merge_dirs=""
for k in $(seq 1 "$shards"); do merge_dirs="$merge_dirs $q_out/shard-$k"; done
merge_job=$(sbatch --parsable ${SBATCH_OPTS:-} \
    --job-name=optzoo-merge --dependency="afterok:$array_job" --kill-on-invalid-dep=yes \
    --output="$out/logs/merge.log" \
    --wrap="$q_optzoo merge $q_out/merged$merge_dirs")
merge_job=${merge_job%%;*}

echo "submitted shards as job $array_job and the merge as job $merge_job; results in $out/merged"
[ "$wait_for_it" = 1 ] || exit 0

# One `key=value` field of a job's one-line `scontrol` record.
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n 1; }

report_failed_shards() {
    local line task state code
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        task=$(field "$line" ArrayTaskId)
        state=$(field "$line" JobState)
        code=$(field "$line" ExitCode)
        case $state in COMPLETED | PENDING | RUNNING | CONFIGURING | COMPLETING) continue ;; esac
        echo "shard $task/$shards: $state (exit code $code), log $out/logs/shard-$task.log:" >&2
        tail -n 5 "$out/logs/shard-$task.log" 2>/dev/null | sed 's/^/    /' >&2 || true
    done < <(scontrol -o show job "$array_job" 2>/dev/null || true)
}

deadline=$(($(date +%s) + timeout_s))
while :; do
    record=$(scontrol -o show job "$merge_job" 2>/dev/null || true)
    state=$(field "$record" JobState)
    reason=$(field "$record" Reason)
    case $state in
    COMPLETED)
        echo "merged into $out/merged"
        exit 0
        ;;
    PENDING)
        if [ "$reason" = DependencyNeverSatisfied ]; then
            scancel "$merge_job" || true
            echo "$me: a shard failed, so the merge (job $merge_job) can never run: cancelled it" >&2
            report_failed_shards
            exit 1
        fi
        ;;
    CANCELLED)
        if [ "$reason" = DependencyNeverSatisfied ]; then
            echo "$me: a shard failed, so the merge (job $merge_job) could never run: Slurm cancelled it" >&2
        else
            echo "$me: the merge (job $merge_job) was cancelled ($reason)" >&2
        fi
        report_failed_shards
        exit 1
        ;;
    RUNNING | CONFIGURING | COMPLETING | SUSPENDED | REQUEUED) ;;
    "")
        echo "$me: job $merge_job is no longer known to Slurm; see $out/logs/merge.log" >&2
        exit 1
        ;;
    *)
        echo "$me: the merge (job $merge_job) ended $state ($reason); see $out/logs/merge.log" >&2
        report_failed_shards
        exit 1
        ;;
    esac
    if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "$me: gave up waiting after ${timeout_s}s; jobs $array_job and $merge_job are still queued" >&2
        exit 1
    fi
    sleep 1
done
