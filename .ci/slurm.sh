#!/usr/bin/env bash
# A single-node Slurm on this machine, bound to 127.0.0.1, for the test that
# submits the repository's Slurm array script (cli/tests/engines.rs).
#   source .ci/slurm.sh; slurm_start   # exports SLURM_CONF and WL1_SLURM=1
#   slurm_stop                         # stops the daemons, removes the state
# Installs Debian's slurm-wlm and munge if missing (apt-get, idempotent).

slurm_install() {
    command -v slurmctld >/dev/null 2>&1 && command -v munged >/dev/null 2>&1 && return 0
    local sudo
    sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends slurm-wlm munge
}

slurm_start() {
    slurm_install || { echo "slurm: cannot install slurm-wlm and munge" >&2; return 1; }
    SLURM_DIR=$(mktemp -d /tmp/wl1-slurm.XXXXXX)
    chmod 755 "$SLURM_DIR"
    mkdir -p "$SLURM_DIR"/{state,spool,log,munge}
    local user cpus
    user=$(id -un)
    cpus=$(nproc)
    # munge: its own key and socket, so that a munged of the machine is left alone.
    dd if=/dev/urandom of="$SLURM_DIR/munge/munge.key" bs=1024 count=1 status=none
    chmod 600 "$SLURM_DIR/munge/munge.key"
    MUNGE_SOCKET="$SLURM_DIR/munge/munge.socket"
    munged --force --key-file="$SLURM_DIR/munge/munge.key" --socket="$MUNGE_SOCKET" \
        --pid-file="$SLURM_DIR/munge/munged.pid" --log-file="$SLURM_DIR/log/munged.log" \
        --seed-file="$SLURM_DIR/munge/munge.seed" || { echo "slurm: munged did not start" >&2; return 1; }
    cat > "$SLURM_DIR/slurm.conf" <<CONF
ClusterName=wl1ci
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
CredType=cred/munge
SlurmUser=$user
SlurmdUser=root
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=ci Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
    export SLURM_CONF="$SLURM_DIR/slurm.conf" SLURM_DIR
    slurmctld -i || { echo "slurm: slurmctld did not start" >&2; slurm_logs; return 1; }
    slurmd || { echo "slurm: slurmd did not start" >&2; slurm_logs; return 1; }
    local i
    for i in $(seq 1 30); do
        if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then
            export WL1_SLURM=1
            echo "slurm: one node up on 127.0.0.1 ($SLURM_CONF)"
            return 0
        fi
        sleep 1
    done
    echo "slurm: the node did not come up within 30 s" >&2
    slurm_logs
    return 1
}

slurm_logs() {
    tail -n 20 "$SLURM_DIR"/log/*.log >&2 2>/dev/null || true
}

slurm_stop() {
    [ -n "${SLURM_DIR:-}" ] || return 0
    local pidfile
    for pidfile in "$SLURM_DIR/slurmd.pid" "$SLURM_DIR/slurmctld.pid" "$SLURM_DIR/munge/munged.pid"; do
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    sleep 1
    rm -rf "$SLURM_DIR"
    unset SLURM_CONF SLURM_DIR WL1_SLURM
}
