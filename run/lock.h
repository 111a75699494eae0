#ifndef PMETA_LOCK_H
#define PMETA_LOCK_H

/*
 * One run of a process at a time in a workspace: an exclusive flock(2) on
 * <root>/.pmeta/locks/<schedule>/<process>.lock, held while pmeta plans,
 * checks and runs the process (a periodic chain takes it per cycle).
 *
 * Why flock: the lock belongs to the open file, and the kernel drops it
 * when its holder ends, however it ends (a crash, SIGKILL, the machine
 * going down). A dead holder's lock is therefore simply free: nothing to
 * guess from a pid file (whose pid may have been reused), nothing to clean
 * up, no window in which two takers both think the holder dead. The fd is
 * close-on-exec, so no job inherits it. On NFS, Linux maps flock onto
 * POSIX locks (lockd), so it holds across the hosts of one share too.
 *
 * The file also says who holds it (pid, host, since, run id), rewritten by
 * each holder: only for the message another pmeta prints, never trusted.
 */

struct process_lock {
	int fd;
	char *path;
};

#define PROCESS_LOCK_INIT { -1, NULL }

/*
 * Takes the lock of schedule/process. Held by another: without wait, -1
 * with an error naming the holder; with wait, calls waiting(arg, holder)
 * (may be NULL) once, then blocks until it is free. A signal while
 * waiting ends the wait with an error.
 */
int process_lock_take(struct process_lock *l, const char *root, const char *schedule,
		      const char *process, int wait,
		      void (*waiting)(void *arg, const char *holder), void *arg);

/* Records the run id the holder is running now (NULL: checking, nothing started). */
void process_lock_note(struct process_lock *l, const char *run_id);

/* Releases the lock (NULL and a lock not taken are fine). */
void process_lock_release(struct process_lock *l);

/* Who holds the lock of a process, described (caller frees), or NULL when free. */
char *process_lock_holder(const char *root, const char *schedule, const char *process);

#endif
