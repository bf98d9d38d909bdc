#!/bin/sh
# A Slurm array: task i simulates shard i of a seed range into node-local
# scratch and keeps only its summary, in a shared folder or object storage.
#   sbatch deploy/wl1-array.sh
#   wl1 analyze "$WL1_SUMMARIES" --shards 16      # once every task is done
# Exit 1 (the specification is violated) is a result, so the task succeeds;
# exit 2 is an error, and fails the task.
#SBATCH --job-name=wl1-f4
#SBATCH --array=0-15
#SBATCH --output=wl1-f4-%a.out
: "${WL1_SCENARIO:=f4}"
: "${WL1_RUNS:=1000000}"
: "${WL1_SUMMARIES:=$HOME/wl1-summaries/f4}"
scratch="${TMPDIR:-/tmp}/wl1-$SLURM_ARRAY_JOB_ID-$SLURM_ARRAY_TASK_ID"
wl1 check --quiet --scenario "$WL1_SCENARIO" --runs "$WL1_RUNS" \
    --shard "auto/$SLURM_ARRAY_TASK_COUNT" --out "$scratch" \
    --summary "$WL1_SUMMARIES/shard-$SLURM_ARRAY_TASK_ID.json" > /dev/null
code=$?
rm -rf "$scratch"
[ "$code" -eq 1 ] && code=0
exit "$code"
