/*
 * Watched folders (run/watch.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "run/watch.h"
#include "util/strbuf.h"

#define WATCH_MASK (IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | \
		    IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

struct folder {
	char *path;
	int wd;             /* -1: not watched */
	unsigned long long gen;
};

static int ifd = -1;
static struct folder *folders;
static size_t nfolders, afolders;
static unsigned long long next_gen = 1;

void watch_enable(void)
{
	if (ifd < 0)
		ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
}

void watch_end(void)
{
	size_t i;

	if (ifd >= 0)
		close(ifd);   /* drops every watch */
	ifd = -1;
	for (i = 0; i < nfolders; i++)
		free(folders[i].path);
	free(folders);
	folders = NULL;
	nfolders = afolders = 0;
}

/* File systems whose changes all pass through this kernel. */
static int is_local(const char *dir)
{
	static const long local[] = {
		0xEF53,       /* ext2/3/4 */
		0x58465342,   /* xfs */
		0x9123683E,   /* btrfs */
		0xF2F52010,   /* f2fs */
		0x01021994,   /* tmpfs */
		0x794c7630,   /* overlay */
	};
	struct statfs sf;
	size_t i;

	if (statfs(dir, &sf) < 0)
		return 0;
	for (i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if ((long)sf.f_type == local[i])
			return 1;
	return 0;
}

static void bump(size_t i)
{
	folders[i].gen = next_gen++;
}

/* Takes every queued event. */
static void drain(void)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(ifd, buf, sizeof(buf))) > 0) {
		char *p;

		for (p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			size_t i;

			if (ev->mask & IN_Q_OVERFLOW) {
				/* Lost events: nothing can be trusted. */
				for (i = 0; i < nfolders; i++)
					bump(i);
			}
			for (i = 0; i < nfolders; i++) {
				if (folders[i].wd != ev->wd)
					continue;
				bump(i);
				if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))
					folders[i].wd = -1;   /* gone: watched again when it is back */
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}

unsigned long long watch_generation(const char *dir)
{
	size_t i;

	if (ifd < 0)
		return 0;
	drain();
	for (i = 0; i < nfolders && strcmp(folders[i].path, dir); i++)
		;
	if (i == nfolders) {
		if (nfolders == afolders) {
			afolders = afolders ? 2 * afolders : 16;
			folders = xrealloc(folders, afolders * sizeof(*folders));
		}
		folders[i].path = xstrdup(dir);
		folders[i].wd = -1;
		folders[i].gen = 0;
		nfolders++;
	}
	if (folders[i].wd < 0) {
		if (!is_local(dir))
			return 0;
		folders[i].wd = inotify_add_watch(ifd, dir, WATCH_MASK);
		if (folders[i].wd < 0)
			return 0;
		/* A new watch: whatever was seen before it proves nothing. */
		bump(i);
	}
	return folders[i].gen;
}
