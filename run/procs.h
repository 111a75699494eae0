#ifndef PMETA_PROCS_H
#define PMETA_PROCS_H

/*
 * Processes of this machine, from /proc (Linux): is a recorded job process
 * still the same live process, and which processes did a run leave behind.
 *
 * A pid alone names a process only while it lives: the kernel reuses it.
 * The pair (pid, start time) does not repeat, so a journal records both and
 * a replay asks proc_alive before it calls a job dead.
 *
 * pmeta is a child subreaper while it runs jobs (prctl): a process whose
 * parent dies, even one that left the job's process group and session with
 * setsid, becomes pmeta's child instead of init's. The orphan reaper finds
 * those children (every child that is not a running job's leader), stops
 * them (SIGTERM to the process and its group, SIGKILL after the grace
 * period) and lets the caller's waitpid reap them, until none is left.
 */

#include <stddef.h>
#include <sys/types.h>

/* The start time of pid (clock ticks since boot, /proc/PID/stat field 22), or -1. */
long long proc_start_time(pid_t pid);

/* 1 when pid lives (not a zombie) and started at `start`, else 0. */
int proc_alive(pid_t pid, long long start);

struct orphan_reaper {
	pid_t *pids;          /* orphans signalled, still alive */
	double *kill_at;      /* monotonic time of their SIGKILL; < 0: sent, give up after -kill_at */
	size_t n, alloc;
	double grace;         /* seconds from SIGTERM to SIGKILL */
};

#define ORPHAN_REAPER_INIT { NULL, NULL, 0, 0, 5 }

/*
 * Signals every live child of this process that is not in leaders[0..n)
 * (the jobs still running) and not signalled yet: SIGTERM to it and to its
 * process group (never ours). Returns how many are being stopped now.
 */
size_t orphans_scan(struct orphan_reaper *o, const pid_t *leaders, size_t nleaders, double now);

/*
 * Sends the SIGKILLs that are due and forgets the orphans that are gone.
 * Returns the monotonic time it wants to be called again, or 0 when no
 * orphan is left.
 */
double orphans_tick(struct orphan_reaper *o, double now);

void orphan_reaper_release(struct orphan_reaper *o);

/*
 * posix_spawn of `/bin/sh -c command` in dir, as a job is started by every
 * executor: its own process group, default signal dispositions and an empty
 * mask, stdin /dev/null, stdout and stderr to fd (or /dev/null when -1),
 * nothing of pmeta's above fd 2. Returns 0 or the errno posix_spawn gave.
 */
int proc_spawn_shell(pid_t *pid, const char *command, const char *dir, int fd, char **envp);

#endif
