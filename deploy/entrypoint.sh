#!/bin/sh
# Strom's container entrypoint: runs `strom "$@"` as one process of a Strom cluster on
# Kubernetes (docs/0027-multi-host.md).
#
# The process index is the pod's ordinal in a StatefulSet (the number ending the pod's
# name: strom-2 is process 2) or, in an Indexed Job, JOB_COMPLETION_INDEX. The host file
# lists STROM_HOST_PATTERN with {i} replaced by 0 .. STROM_REPLICAS-1 (the pods' names
# under their headless Service). When STROM_CHECKPOINT_DIR holds a committed checkpoint,
# `--restore latest` is added: a process restarted after a failure, its own or a peer's
# (they all fail together), resumes the job from the latest checkpoint, as all the
# others do: a whole-job restart.
#
# Environment:
#   STROM_REPLICAS        processes in the cluster (the StatefulSet's replicas, the Job's
#                         completions); required
#   STROM_HOST_PATTERN    host:port of process {i}; required
#   POD_NAME              the pod's name (default: $HOSTNAME)
#   JOB_COMPLETION_INDEX  set by Kubernetes in an Indexed Job; wins over the pod's name
#   STROM_HOSTS_FILE      where the host file goes (default: /tmp/strom-hosts)
#   STROM_CHECKPOINT_DIR  the job's checkpoint folder (strom reads it too)
#   STROM_RESTORE         `auto` (default): restore the latest checkpoint when there is
#                         one; `never`: start afresh
#   STROM_BIN             the strom binary (default: strom)
set -eu

say() { echo "strom-entrypoint: $*" >&2; }
fail() {
    say "$*"
    exit 64
}

bin=${STROM_BIN:-strom}
replicas=${STROM_REPLICAS:-}
pattern=${STROM_HOST_PATTERN:-}
hosts_file=${STROM_HOSTS_FILE:-/tmp/strom-hosts}

case $replicas in
'' | *[!0-9]* | 0) fail "STROM_REPLICAS must be the number of processes (1 or more), not '$replicas'" ;;
esac
[ -n "$pattern" ] || fail "STROM_HOST_PATTERN is not set (e.g. strom-{i}.strom.default.svc.cluster.local:2101)"

if [ -n "${JOB_COMPLETION_INDEX:-}" ]; then
    index=$JOB_COMPLETION_INDEX
    from="JOB_COMPLETION_INDEX=$index"
else
    name=${POD_NAME:-${HOSTNAME:-}}
    index=${name##*-}
    from="the pod name '$name'"
fi
case $index in
'' | *[!0-9]*) fail "cannot tell the process index from $from (a StatefulSet pod's name ends in -N)" ;;
esac
[ "$index" -lt "$replicas" ] ||
    fail "process index $index (from $from) is not below STROM_REPLICAS=$replicas: change the replicas and STROM_REPLICAS together"

"$bin" cluster hosts --pattern "$pattern" --count "$replicas" >"$hosts_file" ||
    fail "cannot write the host file $hosts_file"
set -- "$@" --hosts "$hosts_file" --process-index "$index"

case ${STROM_RESTORE:-auto} in
auto)
    if [ -n "${STROM_CHECKPOINT_DIR:-}" ]; then
        latest=$("$bin" cluster latest-checkpoint --checkpoint-dir "$STROM_CHECKPOINT_DIR") ||
            fail "cannot list the checkpoint folder $STROM_CHECKPOINT_DIR"
        if [ -n "$latest" ]; then
            say "restoring the latest checkpoint (now $latest)"
            set -- "$@" --restore latest
        fi
    fi
    ;;
never) ;;
*) fail "STROM_RESTORE must be auto or never, not '${STROM_RESTORE}'" ;;
esac

say "process $index of $replicas"
exec "$bin" "$@"
