#ifndef PMETA_WATCH_H
#define PMETA_WATCH_H

/*
 * Folders watched between the cycles of one pmeta (`pmeta run --every`):
 * a dataset folder nothing touched since the last look need not be read
 * again (run/items.c keeps what that look found). inotify(7) on the folder
 * reports what happens to its entries: created, deleted, moved, written,
 * closed after writing, attributes changed (a touch). Each event bumps the
 * folder's generation; a look is still good while the generation is the
 * one it was taken at. Only folders on local file systems are watched
 * (ext2/3/4, xfs, btrfs, f2fs, tmpfs, overlay): a network file system does
 * not report what other hosts write. inotify does not see writes through
 * mmap(2), nor a change made through a hard link in another folder, nor a
 * change inside a subfolder; run/items.c therefore never trusts a look at a
 * folder holding folder items, and looks again anyway every few minutes.
 *
 * Process-wide, single-threaded (the caller's thread); off until
 * watch_enable. Every function is harmless when it is off.
 */

/* Starts watching (one inotify instance); a failure leaves it off. */
void watch_enable(void);
/* Stops and forgets everything. */
void watch_end(void);

/*
 * The generation of folder dir, watching it from now on: 0 when it is not
 * watched (off, not local, missing, no more watches), which never matches.
 * Events already queued are taken first, so a look taken after this call
 * is good while watch_generation still returns the same value.
 */
unsigned long long watch_generation(const char *dir);

#endif
