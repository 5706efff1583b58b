#!/bin/bash
# A throw-away single-node Slurm cluster for tests: munged, slurmctld and slurmd on 127.0.0.1
# with every file (key, sockets, state, spool, logs) under DIR, and no cgroups.
#   slurm_cluster.sh start DIR   -> prints "export SLURM_CONF=DIR/slurm.conf"; exit 0 when the
#                                   node is idle and accepting jobs, 1 otherwise (reason on stderr)
#   slurm_cluster.sh stop DIR    -> stops the three daemons started by `start`
set -u
cmd=${1:?start|stop}
dir=${2:?DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

stop() {
    for f in slurmd.pid slurmctld.pid munged.pid; do
        if [ -s "$dir/$f" ]; then
            pid=$(cat "$dir/$f")
            kill "$pid" 2>/dev/null
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null
            rm -f "$dir/$f"
        fi
    done
}

if [ "$cmd" = stop ]; then stop; exit 0; fi

for p in munged slurmctld slurmd sbatch squeue scontrol; do
    command -v "$p" >/dev/null || { echo "slurm_cluster: $p not installed (apt-get install slurm-wlm munge)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "slurm_cluster: needs root (SlurmUser=root)" >&2; exit 1; }

mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
chmod 700 "$dir/munge"
head -c 1024 /dev/urandom > "$dir/munge/munge.key"
chmod 400 "$dir/munge/munge.key"
# --origin: munged would otherwise resolve this host's name (through DNS when /etc/hosts lacks
# it); every address the cluster uses is 127.0.0.1, so nothing is looked up beyond the loopback.
munged --force --origin=127.0.0.1 --socket="$dir/munge/munge.sock" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/seed" \
    || { echo "slurm_cluster: munged did not start: $(tail -2 "$dir/munged.log" 2>/dev/null)" >&2; exit 1; }

host=$(hostname -s)
base=$(( 20000 + ($$ % 20000) ))
cat > "$dir/slurm.conf" <<CONF
ClusterName=kgtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SlurmctldTimeout=30
SlurmdTimeout=30
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -i -f "$SLURM_CONF" || { echo "slurm_cluster: slurmctld did not start: $(tail -3 "$dir/slurmctld.log")" >&2; stop; exit 1; }
slurmd -f "$SLURM_CONF" || { echo "slurm_cluster: slurmd did not start: $(tail -3 "$dir/slurmd.log")" >&2; stop; exit 1; }
for _ in $(seq 100); do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -1)
    case "$state" in idle*) echo "export SLURM_CONF=$SLURM_CONF"; exit 0 ;; esac
    sleep 0.2
done
echo "slurm_cluster: node not idle (state '${state:-none}'): $(tail -3 "$dir/slurmd.log" 2>/dev/null)" >&2
stop
exit 1
