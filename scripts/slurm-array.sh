#!/usr/bin/env bash
# Run an optzoo sweep as a Slurm job array, one shard per array task, then merge the shards.
#
#   scripts/slurm-array.sh CONFIG OUT [SHARDS]
#
# submits SHARDS array tasks (default 16), each running `optzoo run CONFIG --shard K/SHARDS --out OUT/shard-K`
# with the cores Slurm gives it, and a dependent job that merges OUT/shard-* into OUT/merged. Extra sbatch
# options (partition, account, time) can be passed in SBATCH_OPTS. The optzoo binary is taken from OPTZOO
# (default: optzoo on PATH). Resubmitting resumes: finished runs are skipped.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 CONFIG OUT [SHARDS]" >&2
    exit 2
fi
config=$1
out=$2
shards=${3:-16}
optzoo=${OPTZOO:-optzoo}
mkdir -p "$out/logs"

array_job=$(sbatch --parsable ${SBATCH_OPTS:-} \
    --job-name=optzoo-shard --array="1-$shards" \
    --output="$out/logs/shard-%a.log" \
    --wrap="$optzoo run '$config' --shard \$SLURM_ARRAY_TASK_ID/$shards --jobs \${SLURM_CPUS_PER_TASK:-1} --out '$out'/shard-\$SLURM_ARRAY_TASK_ID")

merge_job=$(sbatch --parsable ${SBATCH_OPTS:-} \
    --job-name=optzoo-merge --dependency="afterok:$array_job" \
    --output="$out/logs/merge.log" \
    --wrap="$optzoo merge '$out/merged' '$out'/shard-*")

echo "submitted shards as job $array_job and the merge as job $merge_job; results in $out/merged"
