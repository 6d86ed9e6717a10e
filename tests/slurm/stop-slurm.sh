#!/usr/bin/env bash
# Stop what tests/slurm/start-slurm.sh started under $PREFIX, by PID file (never by
# process name), and remove the /etc/slurm/slurm.conf link if it points there.
set -u
PREFIX=${PREFIX:?set PREFIX}
if [ -f "$PREFIX/etc/slurm.conf" ]; then
    SLURM_CONF=$PREFIX/etc/slurm.conf timeout 10 scancel --user="$(id -un)" 2>/dev/null || true
fi
stop() { # name pidfile
    local pid
    [ -s "$2" ] || return 0
    pid=$(cat "$2")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        echo "stopped $1 ($pid)"
    fi
    rm -f "$2"
}
stop slurmd "$PREFIX/run/slurmd.pid"
stop slurmctld "$PREFIX/run/slurmctld.pid"
stop munged "$PREFIX/run/munged.pid"
if [ -L /etc/slurm/slurm.conf ] && [ "$(readlink /etc/slurm/slurm.conf)" = "$PREFIX/etc/slurm.conf" ]; then
    rm -f /etc/slurm/slurm.conf
fi
exit 0
