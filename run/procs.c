/*
 * /proc readers and the orphan reaper (run/procs.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/procs.h"
#include "util/strbuf.h"

/*
 * Fields of /proc/PID/stat after the command name (which may hold spaces
 * and parentheses: it ends at the last ')'): state is field 3, ppid 4,
 * starttime 22.
 */
static int proc_stat(pid_t pid, char *state, pid_t *ppid, long long *start)
{
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -1;
	p += 2;
	*state = *p;
	for (field = 3; field < 22 && p; field++) {
		if (field == 4 && ppid)
			*ppid = (pid_t)strtol(p, NULL, 10);
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return -1;
	if (start)
		*start = strtoll(p, NULL, 10);
	return 0;
}

long long proc_start_time(pid_t pid)
{
	long long start;
	char state;

	if (pid <= 0 || proc_stat(pid, &state, NULL, &start) < 0)
		return -1;
	return start;
}

int proc_alive(pid_t pid, long long start)
{
	long long now;
	char state;

	if (pid <= 0 || proc_stat(pid, &state, NULL, &now) < 0)
		return 0;
	return state != 'Z' && state != 'X' && now == start;
}

static int signalled(const struct orphan_reaper *o, pid_t pid)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (o->pids[i] == pid)
			return 1;
	return 0;
}

static void stop(pid_t pid, int sig)
{
	pid_t pg = getpgid(pid);

	if (pg > 0 && pg != getpgrp())
		kill(-pg, sig);
	kill(pid, sig);
}

/* Adds pid to the reaper when it is an orphan not seen yet: SIGTERM to it and its group. */
static size_t consider(struct orphan_reaper *o, pid_t pid, const pid_t *leaders, size_t nleaders,
		       double now)
{
	size_t i;

	for (i = 0; i < nleaders && leaders[i] != pid; i++)
		;
	if (i < nleaders || signalled(o, pid))
		return 0;
	if (o->n == o->alloc) {
		o->alloc = o->alloc ? 2 * o->alloc : 8;
		o->pids = xrealloc(o->pids, o->alloc * sizeof(*o->pids));
		o->kill_at = xrealloc(o->kill_at, o->alloc * sizeof(*o->kill_at));
	}
	stop(pid, SIGTERM);
	o->pids[o->n] = pid;
	o->kill_at[o->n] = now + (o->grace > 0 ? o->grace : 5);
	o->n++;
	return 1;
}

/*
 * Our live children from /proc/self/task/<tid>/children (one small file per
 * thread; CONFIG_PROC_CHILDREN). -1 when the kernel lacks those files.
 */
static long scan_children_files(struct orphan_reaper *o, const pid_t *leaders, size_t nleaders,
				double now)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	long found = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) && found >= 0) {
		char path[64], buf[4096], *p, *end;
		FILE *f;
		size_t n;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.20s/children", de->d_name);
		f = fopen(path, "re");
		if (!f) {
			if (errno == ENOENT && !found)
				found = -1;
			continue;
		}
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		for (p = buf;; p = end) {
			long pid = strtol(p, &end, 10);
			char state = 0;
			pid_t ppid = 0;

			if (end == p)
				break;
			if (proc_stat((pid_t)pid, &state, &ppid, NULL) == 0 && state != 'Z')
				found += (long)consider(o, (pid_t)pid, leaders, nleaders, now);
		}
	}
	closedir(d);
	return found;
}

size_t orphans_scan(struct orphan_reaper *o, const pid_t *leaders, size_t nleaders, double now)
{
	DIR *d;
	struct dirent *de;
	pid_t self = getpid();
	size_t found = 0;
	long quick = scan_children_files(o, leaders, nleaders, now);

	if (quick >= 0)
		return (size_t)quick;
	/* No children files: every process's parent, from /proc/PID/stat. */
	d = opendir("/proc");
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		pid_t pid, ppid = 0;
		char state;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)strtol(de->d_name, NULL, 10);
		if (proc_stat(pid, &state, &ppid, NULL) < 0 || ppid != self || state == 'Z')
			continue;
		found += consider(o, pid, leaders, nleaders, now);
	}
	closedir(d);
	return found;
}

double orphans_tick(struct orphan_reaper *o, double now)
{
	double next = 0;
	size_t i;

	for (i = 0; i < o->n;) {
		char state = 0;
		pid_t ppid = 0;
		int known = proc_stat(o->pids[i], &state, &ppid, NULL) == 0 && ppid == getpid();

		if (known && state == 'Z') {
			/* dead, not reaped yet: the caller's waitpid does it; look again soon */
			if (!next || now + 0.02 < next)
				next = now + 0.02;
			i++;
			continue;
		}
		if (!known) {
			/* gone (reaped; its pid may be someone else's now): forget it */
			o->pids[i] = o->pids[o->n - 1];
			o->kill_at[i] = o->kill_at[o->n - 1];
			o->n--;
			continue;
		}
		if (o->kill_at[i] > 0 && now >= o->kill_at[i]) {
			stop(o->pids[i], SIGKILL);
			o->kill_at[i] = -(now + 1);
		} else if (o->kill_at[i] < 0 && now >= -o->kill_at[i]) {
			/* SIGKILL did not end it (uninterruptible sleep): stop waiting */
			o->pids[i] = o->pids[o->n - 1];
			o->kill_at[i] = o->kill_at[o->n - 1];
			o->n--;
			continue;
		}
		if (!next || now + 0.02 < next)
			next = now + 0.02;
		i++;
	}
	return next;
}

void orphan_reaper_release(struct orphan_reaper *o)
{
	if (!o)
		return;
	free(o->pids);
	free(o->kill_at);
	o->pids = NULL;
	o->kill_at = NULL;
	o->n = o->alloc = 0;
}

int proc_spawn_shell(pid_t *pid, const char *command, const char *dir, int fd, char **envp)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };
	int err;

	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGCHLD);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGTERM);
	sigaddset(&defaults, SIGHUP);
	sigaddset(&defaults, SIGPIPE);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (fd >= 0) {
		posix_spawn_file_actions_adddup2(&fa, fd, 1);
		posix_spawn_file_actions_adddup2(&fa, fd, 2);
	} else {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_adddup2(&fa, 1, 2);
	}
	/* Nothing of pmeta's (journal, lock, Neo4j sockets) leaks into a job. */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawn_file_actions_addchdir_np(&fa, dir);

	err = posix_spawn(pid, "/bin/sh", &fa, &attr, argv, envp);

	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return err;
}
