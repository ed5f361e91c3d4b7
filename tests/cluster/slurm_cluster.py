"""A real one-node SLURM cluster for the tests, started by hand in a temporary folder.

No systemd, no slurmdbd, no cgroups: munged, slurmctld and slurmd run in the foreground (-F/-D)
as child processes of the test, with every key, config, state, spool, log and pid file inside the
folder, on free local ports. `stop()` ends them by their PIDs (SIGTERM, then SIGKILL) and also
ends any job step process the cluster started (slurmstepd and job processes carry this cluster's
SLURM_CONF in their environment, which is how they are recognised); nothing else is touched.
`env` is the environment for clients and Snakemake: SLURM_CONF, and on PATH wrappers of the
SLURM commands that set it (see `_write_wrappers`).

Configuration known to work with Debian bookworm's SLURM 22.05 started by hand:
proctrack/linuxproc + task/none (no cgroups, so no cgroup.conf is needed), select/cons_tres with
CR_Core_Memory (jobs are placed by cores and memory), accounting_storage/none (no slurmdbd),
jobcomp/filetxt (one line per finished job, which the tests read to prove jobs went through
SLURM), MinJobAge=600 (finished jobs stay visible to `squeue` for 10 minutes, so the executor
plugin's squeue-based status checks see them finish), node address 127.0.0.1.

What does not work without slurmdbd, as seen on this cluster (22.05.8):
  * `sacct ...` exits 1 with "Slurm accounting storage is disabled";
  * `sacctmgr ...` exits 1 ("You are not running a supported accounting_storage plugin");
  * `sshare -U ...` exits 0 with empty output;
  * `scancel --clusters=all ...` exits 1 ("Problem talking to database");
  * plain `scancel <ids>`, `sbatch`, `srun`, `squeue`, `sinfo`, `scontrol` all work.
"""

from __future__ import annotations

import atexit
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

# The daemons live in /usr/sbin, which a non-login PATH may lack.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/bin"])
DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("munge", "unmunge", "sinfo", "sbatch", "srun", "squeue", "scancel", "scontrol")
# Wrapped so that they find this cluster's slurm.conf without SLURM_CONF (see `_write_wrappers`).
WRAPPED = ("sinfo", "sbatch", "srun", "squeue", "scancel", "scontrol", "sacct", "sacctmgr", "sshare")


def missing_binaries() -> list[str]:
    return [name for name in DAEMONS + CLIENTS if shutil.which(name, path=SEARCH_PATH) is None]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    raise RuntimeError("no MemTotal in /proc/meminfo")


def parse_jobcomp(path: Path) -> list[dict[str, str]]:
    """jobcomp/filetxt lines: `JobId=3 UserId=root(0) ... JobState=COMPLETED ...`."""
    if not path.exists():
        return []
    return [dict(re.findall(r"(\w+)=(\S*)", line)) for line in path.read_text().splitlines() if line.strip()]


class SlurmStartError(RuntimeError):
    pass


class SlurmCluster:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.conf = self.root / "slurm.conf"
        self.munge_dir = self.root / "munge"
        self.munge_socket = self.munge_dir / "munge.socket"
        self.log_dir = self.root / "log"
        self.bin_dir = self.root / "bin"
        self.jobcomp = self.log_dir / "jobcomp.txt"
        self.node = socket.gethostname().split(".")[0]
        self.cpus = os.cpu_count() or 1
        # A little below physical memory: slurmd drains a node that reports less than configured.
        self.memory_mb = int(_memory_mb() * 0.9)
        self.partition = "ci"
        self.processes: dict[str, subprocess.Popen] = {}
        self.start_seconds: float | None = None
        self._logs = []

    # -- environment for clients and for Snakemake -------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ, SLURM_CONF=str(self.conf), PATH=os.pathsep.join([str(self.bin_dir), SEARCH_PATH]))
        env.pop("LD_LIBRARY_PATH", None)
        return env

    def run(self, *args: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), env=self.env, capture_output=True, text=True, check=check, timeout=timeout)

    def version(self) -> str:
        return self.run("sinfo", "--version").stdout.strip()

    def node_state(self) -> str:
        out = self.run("sinfo", "-h", "-N", "-o", "%T", check=False, timeout=10)
        return out.stdout.strip() if out.returncode == 0 else ""

    def jobs(self) -> list[dict[str, str]]:
        return parse_jobcomp(self.jobcomp)

    # -- start -------------------------------------------------------------------------------
    def _write_config(self) -> None:
        for sub in ("state", "spool", "log", "run"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.munge_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = self.munge_dir / "munge.key"
        key.write_bytes(secrets.token_bytes(1024))
        key.chmod(0o600)
        r = self.root
        self.conf.write_text(
            "\n".join(
                [
                    "# Written by tests/cluster/slurm_cluster.py: a throw-away one-node test cluster.",
                    "ClusterName=ci",
                    f"SlurmctldHost={self.node}(127.0.0.1)",
                    f"SlurmctldPort={_free_port()}",
                    f"SlurmdPort={_free_port()}",
                    "SlurmUser=root",
                    "SlurmdUser=root",
                    "AuthType=auth/munge",
                    "CredType=cred/munge",
                    f"AuthInfo=socket={self.munge_socket}",
                    f"StateSaveLocation={r}/state",
                    f"SlurmdSpoolDir={r}/spool",
                    f"SlurmctldPidFile={r}/run/slurmctld.pid",
                    f"SlurmdPidFile={r}/run/slurmd.pid",
                    f"SlurmctldLogFile={r}/log/slurmctld.log",
                    f"SlurmdLogFile={r}/log/slurmd.log",
                    "ProctrackType=proctrack/linuxproc",
                    "TaskPlugin=task/none",
                    "SelectType=select/cons_tres",
                    "SelectTypeParameters=CR_Core_Memory",
                    "SchedulerType=sched/backfill",
                    "AccountingStorageType=accounting_storage/none",
                    "JobAcctGatherType=jobacct_gather/none",
                    "JobCompType=jobcomp/filetxt",
                    f"JobCompLoc={self.jobcomp}",
                    "MinJobAge=600",
                    "ReturnToService=2",
                    "MpiDefault=none",
                    "SwitchType=switch/none",
                    "SchedulerParameters=sched_interval=5",
                    f"NodeName={self.node} NodeAddr=127.0.0.1 CPUs={self.cpus} RealMemory={self.memory_mb} State=UNKNOWN",
                    f"PartitionName={self.partition} Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
                    "",
                ]
            )
        )

    def _write_wrappers(self) -> None:
        """snakemake-executor-plugin-slurm-jobstep (0.6.1) runs each job as a nested `srun` with
        every SLURM_* variable removed except the job's IDs, SLURM_CONF included; srun then looks
        for /etc/slurm/slurm.conf and DNS SRV records and fails ("Could not establish a
        configuration source"). A real cluster has its config at the standard place; this one
        lives in a temporary folder, so the client commands on the PATH given to Snakemake are
        wrappers that set SLURM_CONF. Nothing outside the folder is changed."""
        self.bin_dir.mkdir(parents=True, exist_ok=True)
        for name in WRAPPED:
            real = shutil.which(name, path=SEARCH_PATH)
            if real is None:
                continue
            wrapper = self.bin_dir / name
            wrapper.write_text(f'#!/bin/sh\nSLURM_CONF="{self.conf}" exec "{real}" "$@"\n')
            wrapper.chmod(0o755)

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.log_dir / f"{name}.out", "wb")
        self._logs.append(log)
        binary = shutil.which(args[0], path=SEARCH_PATH)
        self.processes[name] = subprocess.Popen(
            [binary, *args[1:]],
            env=self.env,
            cwd=self.root,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        (self.root / "run" / f"{name}.harness-pid").write_text(str(self.processes[name].pid))

    def _check_alive(self) -> None:
        for name, proc in self.processes.items():
            if proc.poll() is not None:
                raise SlurmStartError(f"{name} exited with code {proc.returncode}\n{self.logs_tail()}")

    def _wait(self, what: str, ready, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            if ready():
                return
            time.sleep(0.5)
        raise SlurmStartError(f"timed out after {timeout:.0f} s waiting for {what}\n{self.logs_tail()}")

    def start(self, timeout: float = 60) -> SlurmCluster:
        atexit.register(self.stop)  # in case a fixture's teardown never runs
        began = time.monotonic()
        self._write_config()
        self._write_wrappers()
        try:
            # munged refuses a socket folder that is not world-executable up the whole path;
            # --force turns that into a warning (everything here runs as the same user).
            self._spawn(
                "munged",
                [
                    "munged",
                    "-F",
                    "--force",
                    f"--key-file={self.munge_dir}/munge.key",
                    f"--socket={self.munge_socket}",
                    f"--pid-file={self.munge_dir}/munged.pid",
                    f"--log-file={self.log_dir}/munged.log",
                    f"--seed-file={self.munge_dir}/munged.seed",
                ],
            )
            self._wait("the munge socket", self.munge_socket.exists, 15)
            self._spawn("slurmctld", ["slurmctld", "-D", "-f", str(self.conf)])
            self._spawn("slurmd", ["slurmd", "-D", "-f", str(self.conf), "-N", self.node])
            self._wait(f"node {self.node} to be idle in sinfo", lambda: self.node_state() == "idle", timeout)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began
        return self

    # -- stop --------------------------------------------------------------------------------
    def cancel_all(self) -> None:
        """Cancel every job still queued or running (e.g. after Snakemake was killed)."""
        if "slurmctld" not in self.processes or self.processes["slurmctld"].poll() is not None:
            return
        self.run("scancel", "--user", str(os.getuid()), check=False)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            out = self.run(
                "squeue",
                "-h",
                "-o",
                "%i",
                "--states=PENDING,RUNNING,COMPLETING,CONFIGURING,SUSPENDED",
                check=False,
                timeout=10,
            )
            if out.returncode != 0 or not out.stdout.strip():
                return
            time.sleep(1)

    def _cluster_processes(self) -> list[int]:
        """PIDs of job steps and job processes started by this cluster: they carry its SLURM_CONF."""
        own = {os.getpid(), os.getppid()}
        marker = f"SLURM_CONF={self.conf}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) in own:
                continue
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
        return found

    @staticmethod
    def _end(pids: list[int], grace: float) -> None:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in pids):
            time.sleep(0.2)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def stop(self) -> None:
        if not self.processes:
            return
        try:
            self.cancel_all()
        except Exception:
            pass
        # Node daemon first, then the controller (its child slurmscriptd goes with it), munge last.
        for name in ("slurmd", "slurmctld", "munged"):
            proc = self.processes.get(name)
            if proc is None:
                continue
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
        # Steps whose daemons are gone (e.g. after a killed run) would otherwise be left behind.
        self._end(self._cluster_processes(), grace=5)
        self.processes.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()

    def logs_tail(self, chars: int = 3000) -> str:
        parts = []
        for path in sorted(self.log_dir.glob("*")):
            if path.is_file() and path.name != "jobcomp.txt":
                parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-chars:]}")
        return "\n".join(parts)
