/*
 * run/procs.h: a live process is recognised by pid and start time, a dead
 * or reused one is not; the orphan reaper stops a child that left its
 * process group with setsid.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "run/procs.h"
#include "run/runner.h"

static void test_alive(void **state)
{
	long long start = proc_start_time(getpid());
	pid_t child;
	int status;

	(void)state;
	assert_true(start > 0);
	assert_int_equal(proc_alive(getpid(), start), 1);
	assert_int_equal(proc_alive(getpid(), start + 1), 0);
	child = fork();
	if (child == 0)
		_exit(0);
	assert_true(child > 0);
	start = proc_start_time(child);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(proc_alive(child, start), 0);
	assert_int_equal(proc_start_time(child), -1);
	assert_int_equal(proc_alive(0, 0), 0);
}

static void test_reaper_stops_setsid_child(void **state)
{
	struct orphan_reaper o = ORPHAN_REAPER_INIT;
	pid_t child = fork(), leader;
	int status, n = 0;
	double next;

	(void)state;
	if (child == 0) {
		setsid();
		pause();
		_exit(3);
	}
	leader = fork();   /* a "job leader": never touched */
	if (leader == 0) {
		pause();
		_exit(4);
	}
	o.grace = 0.2;
	usleep(50000);
	assert_int_equal(orphans_scan(&o, &leader, 1, runner_now()), 1);
	assert_int_equal(orphans_scan(&o, &leader, 1, runner_now()), 0); /* signalled once */
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	while ((next = orphans_tick(&o, runner_now())) && n++ < 100)
		usleep(10000);
	assert_true(next == 0);
	assert_int_equal(kill(leader, 0), 0);
	kill(leader, SIGKILL);
	waitpid(leader, &status, 0);
	orphan_reaper_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alive),
		cmocka_unit_test(test_reaper_stops_setsid_child),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
