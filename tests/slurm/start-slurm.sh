#!/usr/bin/env bash
# Start a one-node SLURM "cluster" on localhost for tests/test_slurm.py: munged,
# slurmctld and slurmd started directly (no systemd), everything under $PREFIX,
# optional fake GPUs. Debian's slurm-wlm and munge are installed with apt if missing.
#
# Usage (root):  PREFIX=/tmp/x FAKE_GPUS=2 tests/slurm/start-slurm.sh
#                tests/slurm/stop-slurm.sh   (same PREFIX) stops it by PID files.
# Exit status 3: cannot run here (not root, no apt-get, a foreign slurm.conf).
#
# Why the pieces are as they are (tested with SLURM 22.05, Debian 12):
# - /etc/slurm/slurm.conf is a symlink to $PREFIX/etc/slurm.conf: the executor plugin
#   strips SLURM_CONF before the srun inside each job, so only the default path works.
#   A slurm.conf there that is not our link is left alone (exit 3).
# - proctrack/linuxproc + task/none: no cgroups in containers.
# - EnforcePartLimits=ALL: a job that can never fit is refused by sbatch instead of
#   pending forever.
# - MinJobAge=300: finished jobs stay visible to squeue (the profile's status
#   command) and to `scontrol show job`, where the test reads the GPU allocation.
# - No slurmdbd: `scontrol show job` has the allocation (JOB_GRES) while MinJobAge
#   lasts; GPUs in a job's TRES (AccountingStorageTRES=gres/gpu) would need slurmdbd.
# - GPUs: gres.conf needs File= (22.05 drops GPUs without it); empty regular files do.
set -euo pipefail

PREFIX=${PREFIX:?set PREFIX to a fresh directory}
FAKE_GPUS=${FAKE_GPUS:-0}
NODE=${NODE:-$(hostname -s)}
PARTITION=${PARTITION:-debug}

t0=$(date +%s)
log() { echo "[start-slurm +$(($(date +%s) - t0))s] $*"; }
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

[ "$(id -u)" = 0 ] || { echo "start-slurm: needs root" >&2; exit 3; }
if [ -e /etc/slurm/slurm.conf ] && [ ! -L /etc/slurm/slurm.conf ]; then
    echo "start-slurm: /etc/slurm/slurm.conf belongs to a real installation; not touching it" >&2
    exit 3
fi

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    command -v apt-get >/dev/null || { echo "start-slurm: no slurm and no apt-get" >&2; exit 3; }
    log "apt-get install slurm-wlm munge"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

mkdir -p "$PREFIX"/{etc,run,log,munge,spool/ctld,spool/d,dev}
chmod 700 "$PREFIX/munge"
CONF=$PREFIX/etc/slurm.conf
SOCK=$PREFIX/run/munge.socket

# munge: its own key and socket, run as root (--force)
KEY=$PREFIX/munge/munge.key
[ -s "$KEY" ] || dd if=/dev/urandom of="$KEY" bs=1 count=1024 status=none
chmod 400 "$KEY"
if ! alive "$PREFIX/run/munged.pid"; then
    log "starting munged"
    munged --force --key-file="$KEY" --socket="$SOCK" --pid-file="$PREFIX/run/munged.pid" \
        --log-file="$PREFIX/log/munged.log" --seed-file="$PREFIX/munge/munged.seed"
fi
munge -S "$SOCK" -n | unmunge -S "$SOCK" >/dev/null

REALMEM=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)  # MiB
GRES=""
rm -f "$PREFIX/etc/gres.conf"
if [ "$FAKE_GPUS" -gt 0 ]; then
    for ((g = 0; g < FAKE_GPUS; g++)); do : >"$PREFIX/dev/fakegpu$g"; done
    GRES=" Gres=gpu:fake:$FAKE_GPUS"
    echo "NodeName=$NODE Name=gpu Type=fake File=$PREFIX/dev/fakegpu[0-$((FAKE_GPUS - 1))]" >"$PREFIX/etc/gres.conf"
fi
cat >"$CONF" <<CONF
# written by tests/slurm/start-slurm.sh
ClusterName=sgdtest
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
AuthInfo=socket=$SOCK
SlurmctldPort=6817
SlurmdPort=6818
SlurmctldPidFile=$PREFIX/run/slurmctld.pid
SlurmdPidFile=$PREFIX/run/slurmd.pid
StateSaveLocation=$PREFIX/spool/ctld
SlurmdSpoolDir=$PREFIX/spool/d
SlurmctldLogFile=$PREFIX/log/slurmctld.log
SlurmdLogFile=$PREFIX/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
EnforcePartLimits=ALL
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/linux
JobCompType=jobcomp/filetxt
JobCompLoc=$PREFIX/log/jobcomp.log
MinJobAge=300
$( [ "$FAKE_GPUS" -gt 0 ] && echo "GresTypes=gpu" )
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$REALMEM$GRES State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF
# with GPUs, a second partition "gpu" on the same node: the profile can route GPU jobs
if [ "$FAKE_GPUS" -gt 0 ]; then
    echo "PartitionName=gpu Nodes=$NODE MaxTime=INFINITE State=UP" >>"$CONF"
fi

mkdir -p /etc/slurm
ln -sfn "$CONF" /etc/slurm/slurm.conf

log "starting slurmctld"
slurmctld -f "$CONF" -i
for _ in $(seq 1 30); do timeout 5 scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.5; done
if ! timeout 5 scontrol ping 2>/dev/null | grep -q UP; then
    log "slurmctld is not up:"; tail -5 "$PREFIX/log/slurmctld.log"; exit 1
fi
log "starting slurmd"
slurmd -f "$CONF" -N "$NODE"
state=""
for _ in $(seq 1 60); do
    state=$(timeout 5 sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
    case "$state" in idle* | mix* | alloc*) break ;; esac
    sleep 0.5
done
sinfo -N -o "%N %T %c %m %G"
case "$state" in
idle* | mix* | alloc*) log "SLURM is up" ;;
*) log "node $NODE is '$state'"; scontrol show node "$NODE" | grep -i reason || true; exit 1 ;;
esac
