/*
 * The per-process run lock (run/lock.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "run/journal.h"
#include "run/lock.h"
#include "run/runner.h"
#include "util/err.h"
#include "util/strbuf.h"

static char *lock_path(const char *root, const char *schedule, const char *process)
{
	return xstrfmt("%s/.pmeta/locks/%s/%s.lock", root, schedule, process);
}

static int make_dirs(const char *root, const char *schedule)
{
	char *dirs[3];
	int i, ret = 0;

	dirs[0] = xstrfmt("%s/.pmeta", root);
	dirs[1] = xstrfmt("%s/.pmeta/locks", root);
	dirs[2] = xstrfmt("%s/.pmeta/locks/%s", root, schedule);
	for (i = 0; i < 3 && !ret; i++)
		if (mkdir(dirs[i], 0755) < 0 && errno != EEXIST)
			ret = pm_error(PM_EFAIL, "cannot create folder '%s': %s", dirs[i], strerror(errno));
	for (i = 0; i < 3; i++)
		free(dirs[i]);
	return ret;
}

/* "run R, pid P on host H (since T)" from the file's text (caller frees). */
static char *describe(const char *text)
{
	json_t *o = json_loads(text, 0, NULL);
	const char *host = json_string_value(json_object_get(o, "host"));
	const char *run = json_string_value(json_object_get(o, "run"));
	const char *since = json_string_value(json_object_get(o, "since"));
	json_int_t pid = json_integer_value(json_object_get(o, "pid"));
	struct strbuf sb = STRBUF_INIT;

	if (!o || !pid) {
		json_decref(o);
		return xstrdup("another pmeta (starting)");
	}
	if (run)
		strbuf_addf(&sb, "run %s, ", run);
	else
		strbuf_addstr(&sb, "checking for new items, ");
	strbuf_addf(&sb, "pid %lld on %s", (long long)pid, host ? host : "?");
	if (since)
		strbuf_addf(&sb, " (since %s)", since);
	json_decref(o);
	return strbuf_detach(&sb, NULL);
}

static char *read_holder(int fd)
{
	char buf[1024];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return describe(buf);
}

static void write_holder(struct process_lock *l, const char *run_id)
{
	char host[256] = "";
	char *since = run_time_iso(runner_wall_ms()), *text;
	json_t *o;

	gethostname(host, sizeof(host) - 1);
	o = json_pack("{sIssssso}", "pid", (json_int_t)getpid(), "host", host, "since", since, "run",
		      run_id ? json_string(run_id) : json_null());
	text = json_dumps(o, JSON_COMPACT);
	/* Informative only: a failed write leaves an older description. */
	if (text && ftruncate(l->fd, 0) == 0 && pwrite(l->fd, text, strlen(text), 0) < 0) {
		/* nothing to do */
	}
	free(text);
	free(since);
	json_decref(o);
}

int process_lock_take(struct process_lock *l, const char *root, const char *schedule,
		      const char *process, int wait,
		      void (*waiting)(void *arg, const char *holder), void *arg)
{
	process_lock_release(l);
	if (make_dirs(root, schedule) < 0)
		return -1;
	l->path = lock_path(root, schedule, process);
	l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (l->fd < 0) {
		pm_error(PM_EFAIL, "cannot open '%s': %s", l->path, strerror(errno));
		process_lock_release(l);
		return -1;
	}
	if (flock(l->fd, LOCK_EX | LOCK_NB) < 0) {
		char *holder;

		if (errno != EWOULDBLOCK) {
			pm_error(PM_EFAIL, "cannot lock '%s': %s", l->path, strerror(errno));
			process_lock_release(l);
			return -1;
		}
		holder = read_holder(l->fd);
		if (!wait) {
			pm_error(PM_EFAIL, "%s/%s is already running in this workspace: %s; "
				 "'pmeta run --wait' waits for it", schedule, process, holder);
			free(holder);
			process_lock_release(l);
			return -1;
		}
		if (waiting)
			waiting(arg, holder);
		free(holder);
		if (flock(l->fd, LOCK_EX) < 0) {
			pm_error(PM_EFAIL, "stopped waiting for %s/%s: %s", schedule, process,
				 errno == EINTR ? "interrupted" : strerror(errno));
			process_lock_release(l);
			return -1;
		}
	}
	write_holder(l, NULL);
	return 0;
}

void process_lock_note(struct process_lock *l, const char *run_id)
{
	if (l && l->fd >= 0)
		write_holder(l, run_id);
}

void process_lock_release(struct process_lock *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);   /* drops the flock */
	l->fd = -1;
	free(l->path);
	l->path = NULL;
}

char *process_lock_holder(const char *root, const char *schedule, const char *process)
{
	char *path = lock_path(root, schedule, process), *holder = NULL;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	free(path);
	if (fd < 0)
		return NULL;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK)
		holder = read_holder(fd);
	close(fd);   /* a lock taken just to look is dropped at once */
	return holder;
}
