/*
 * pmeta job (hidden): the job script of a run on Slurm. Slurm runs it on a
 * node; it runs one job of the run as the local executor would (`/bin/sh -c
 * <command>` from the workspace root, in a process group of its own, output
 * to the job's log, the same PMETA_* environment, its timeout, SIGTERM then
 * SIGKILL after the grace period) and writes the attempt's start, end and
 * exit status to its record file in the run folder (run/slurm.h). It needs
 * nothing but that folder: no Neo4j, no credentials, no network.
 *
 * What it runs comes from <run>/slurm/spec/<name>.json, written by the
 * pmeta that submitted it. In an array, <name> is the step's and the shard
 * is SLURM_ARRAY_TASK_ID. --attempts lets it retry in place (a detached run,
 * which no pmeta follows to resubmit).
 *
 * Exit status: the job's (128 + the signal that ended it), so that Slurm's
 * afterok dependencies and squeue tell what the job did.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "run/procs.h"
#include "run/records.h"
#include "run/runner.h"
#include "run/slurm.h"
#include "util/strbuf.h"
#include "vcs/provenance.h"

extern char **environ;

static const struct cmd_usage usage = {
	"pmeta job <run-folder> <name> <attempt> [--attempts=<n>] [--array]\n",
	"Runs one job of a run on Slurm: the job script `pmeta run --executor slurm`\n"
	"submits (not for direct use). Reads <run-folder>/slurm/spec/<name>.json (with\n"
	"--array, <name>.<SLURM_ARRAY_TASK_ID>), runs its command and records the\n"
	"attempt's start and end in <run-folder>/slurm/rec/. Needs no Neo4j.\n",
	"Exit status: the job's own, 128 + the signal that ended it, or 1 when it\n"
	"could not be run.\n"
};

static int wake[2] = { -1, -1 };
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	int saved = errno;

	stop_signal = sig;
	if (write(wake[1], "s", 1) < 0) {
		/* full: a wake-up is pending anyway */
	}
	errno = saved;
}

static void on_child(int sig)
{
	int saved = errno;

	(void)sig;
	if (write(wake[1], "c", 1) < 0) {
		/* full: a wake-up is pending anyway */
	}
	errno = saved;
}

struct job {
	json_t *spec;
	const char *command, *root, *log;
	const char *script;    /* the procedure's script, relative to root, or NULL */
	long timeout;
	double grace;
	int retries;
	int rec;               /* the record file */
	char node[256];
	char slurm_job[64];
};

/* One record line, in one write(2), synced: nobody else writes this file. */
static void record(struct job *jb, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);
	char *line = xstrfmt("%s\n", text);

	if (write(jb->rec, line, strlen(line)) < 0 || fdatasync(jb->rec) < 0)
		fprintf(stderr, "pmeta job: cannot write its record: %s\n", strerror(errno));
	free(line);
	free(text);
	json_decref(o);
}

/* The job's environment: ours (what sbatch was given), with its own PMETA_*. */
static char **job_env(struct job *jb, int attempt)
{
	json_t *env = json_object_get(jb->spec, "env"), *v;
	const char *key;
	size_t n = 0, k = 0, i;
	char **envp;

	while (environ[n])
		n++;
	envp = xcalloc(n + json_object_size(env) + 2, sizeof(char *));
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "PMETA_", 6))
			envp[k++] = xstrdup(environ[i]);
	json_object_foreach(env, key, v)
		envp[k++] = xstrfmt("%s=%s", key, json_string_value(v));
	envp[k++] = xstrfmt("PMETA_ATTEMPT=%d", attempt);
	envp[k] = NULL;
	return envp;
}

/* Sleeps until a signal, a child's exit or `until` (monotonic; 0 = none). */
static void wait_event(double until)
{
	struct pollfd p = { wake[0], POLLIN, 0 };
	int ms = -1;
	char buf[64];

	if (until > 0) {
		double left = until - runner_now();

		ms = left > 0 ? (int)(left * 1000) + 1 : 0;
	}
	if (poll(&p, 1, ms) > 0)
		while (read(wake[0], buf, sizeof(buf)) > 0)
			;
}

/* What is left of the job's process group once its shell exited: stopped too. */
static void stop_stragglers(pid_t pgid, double grace)
{
	double until = runner_now() + grace;

	if (kill(-pgid, 0) < 0)
		return;
	kill(-pgid, SIGTERM);
	while (kill(-pgid, 0) == 0 && runner_now() < until)
		usleep(20000);
	kill(-pgid, SIGKILL);
}

/* One attempt; sets *status as waitpid does, or -1 when it could not start. */
static void run_attempt(struct job *jb, int attempt, int last, int *exit_code, int *sig,
			int *timed_out)
{
	struct script_provenance script = SCRIPT_PROVENANCE_INIT;
	char **envp, **e;
	json_t *start;
	pid_t pid = -1;
	int fd, err, status = 0, stopped = 0;
	double deadline = 0, kill_at = 0;

	*exit_code = -1;
	*sig = 0;
	*timed_out = 0;
	fd = open(jb->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (attempt > 1 ? 0 : O_TRUNC), 0644);
	err = fd < 0 ? errno : 0;
	if (fd >= 0 && attempt > 1)
		dprintf(fd, "\n--- pmeta: attempt %d of %d ---\n", attempt, 1 + jb->retries);
	/*
	 * What must be known of an attempt as it starts (the hash of the
	 * script that really runs here) is taken here and goes into its start
	 * record, as the local executor puts it into its EXEC_STARTED.
	 */
	if (jb->script && script_provenance(&script, jb->root, jb->script) < 0) {
		if (fd >= 0)
			dprintf(fd, "pmeta: which version of '%s' runs is not recorded: %s\n",
				jb->script, pm_error_msg());
		pm_error_clear();
	}
	start = json_pack("{sssisIssss}", "ev", "start", "attempt", attempt,
			  "at_ms", (json_int_t)runner_wall_ms(), "node", jb->node,
			  "slurm_job", jb->slurm_job);
	records_script_set(start, &script);
	record(jb, start);
	envp = job_env(jb, attempt);
	if (!err)
		err = proc_spawn_shell(&pid, jb->command, jb->root, fd, envp);
	for (e = envp; *e; e++)
		free(*e);
	free(envp);
	if (err) {
		if (fd >= 0)
			dprintf(fd, "pmeta: cannot start '/bin/sh -c ...' in '%s': %s\n", jb->root,
				strerror(err));
		else
			fprintf(stderr, "pmeta job: cannot open log '%s': %s\n", jb->log, strerror(err));
		*exit_code = 127;
	} else {
		if (jb->timeout > 0)
			deadline = runner_now() + jb->timeout;
		for (;;) {
			pid_t got = waitpid(pid, &status, WNOHANG);
			double now = runner_now(), until;

			if (got == pid)
				break;
			if (stop_signal && !stopped) {
				stopped = 1;
				kill(-pid, SIGTERM);
				kill_at = now + jb->grace;
			}
			if (deadline && now >= deadline && !*timed_out) {
				*timed_out = 1;
				record(jb, json_pack("{sssisI}", "ev", "timeout", "attempt", attempt,
						     "at_ms", (json_int_t)runner_wall_ms()));
				kill(-pid, SIGTERM);
				kill_at = now + jb->grace;
			}
			if (kill_at && now >= kill_at) {
				kill(-pid, SIGKILL);
				kill_at = 0;
			}
			until = kill_at ? kill_at : (!*timed_out && deadline ? deadline : 0);
			wait_event(until);
		}
		if (WIFEXITED(status))
			*exit_code = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			*sig = WTERMSIG(status);
		stop_stragglers(pid, jb->grace);
	}
	if (fd >= 0)
		close(fd);
	record(jb, json_pack("{sssisIsosisbsb}", "ev", "end", "attempt", attempt,
			     "at_ms", (json_int_t)runner_wall_ms(),
			     "exit_code", *exit_code >= 0 ? json_integer(*exit_code) : json_null(),
			     "signal", *sig, "timed_out", *timed_out,
			     "final", last || stop_signal || (*exit_code == 0 && !*sig && !*timed_out)));
}

static int load_spec(struct job *jb, const char *dir, const char *name)
{
	char *path = slurm_path(dir, "spec/%s.json", name);
	json_error_t jerr;

	jb->spec = json_load_file(path, 0, &jerr);
	if (!jb->spec) {
		pm_error(PM_EFAIL, "cannot read job spec '%s': %s", path, jerr.text);
		free(path);
		return -1;
	}
	free(path);
	jb->command = json_string_value(json_object_get(jb->spec, "command"));
	jb->root = json_string_value(json_object_get(jb->spec, "root"));
	jb->log = json_string_value(json_object_get(jb->spec, "log"));
	jb->script = json_string_value(json_object_get(jb->spec, "script"));
	jb->timeout = (long)json_integer_value(json_object_get(jb->spec, "timeout"));
	jb->grace = json_number_value(json_object_get(jb->spec, "grace"));
	jb->retries = (int)json_integer_value(json_object_get(jb->spec, "retries"));
	if (jb->grace <= 0)
		jb->grace = 5;
	if (!jb->command || !jb->root || !jb->log)
		return pm_error(PM_EFAIL, "job spec of '%s' lacks its command, root or log", name);
	return 0;
}

static int positive(const char *s, long max, long *out)
{
	char *end;

	errno = 0;
	*out = *s >= '0' && *s <= '9' ? strtol(s, &end, 10) : 0;
	return *out >= 1 && *out <= max && !errno && !*end ? 0 : -1;
}

int cmd_job(int argc, char **argv, struct ctx *ctx)
{
	struct job jb;
	struct sigaction sa;
	char *name = NULL, *rec_path = NULL;
	const char *task = getenv("SLURM_ARRAY_TASK_ID");
	const char *jobid = getenv("SLURM_JOB_ID"), *array_id = getenv("SLURM_ARRAY_JOB_ID");
	long attempt, attempts = 1, k;
	int array = 0, ret, code, sig, timed_out;
	struct cmd_option options[] = {
		OPT_INT(0, "attempts", &attempts, "<n>", 1, 1001,
			"make up to <n> attempts here (a detached run's\nretries)"),
		OPT_FLAG(0, "array", &array, "the job is the task SLURM_ARRAY_TASK_ID of an array"),
		OPT_END()
	};

	(void)ctx;
	memset(&jb, 0, sizeof(jb));
	jb.rec = -1;
	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc != 3)
		return options_usage_error(&usage, options, "expected a run folder, a name and an attempt");
	if (positive(argv[2], 100000, &attempt) < 0)
		return options_usage_error(&usage, options, "'%s' is not an attempt number", argv[2]);
	if (array && (!task || !*task || strspn(task, "0123456789") != strlen(task)))
		return cmd_die(EXIT_USAGE, "--array, but SLURM_ARRAY_TASK_ID is '%s'", task ? task : "");
	if (strchr(argv[1], '/') || argv[1][0] == '.')
		return cmd_die(EXIT_USAGE, "'%s' is not a job name", argv[1]);
	name = array ? xstrfmt("%s.%s", argv[1], task) : xstrdup(argv[1]);
	if (load_spec(&jb, argv[0], name) < 0) {
		ret = cmd_error();
		goto out;
	}
	rec_path = slurm_path(argv[0], "rec/%s.%ld.jsonl", name, attempt);
	jb.rec = open(rec_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (jb.rec < 0) {
		ret = cmd_die(EXIT_FAIL, "cannot open record file '%s': %s", rec_path, strerror(errno));
		goto out;
	}
	if (getenv("SLURMD_NODENAME"))
		snprintf(jb.node, sizeof(jb.node), "%s", getenv("SLURMD_NODENAME"));
	else
		gethostname(jb.node, sizeof(jb.node) - 1);
	if (array && array_id)
		snprintf(jb.slurm_job, sizeof(jb.slurm_job), "%s_%s", array_id, task);
	else if (jobid)
		snprintf(jb.slurm_job, sizeof(jb.slurm_job), "%s", jobid);

	if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		ret = cmd_die(EXIT_FAIL, "cannot create a pipe: %s", strerror(errno));
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	ret = EXIT_FAIL;
	for (k = attempt; k < attempt + attempts; k++) {
		run_attempt(&jb, (int)k, k + 1 == attempt + attempts, &code, &sig, &timed_out);
		if (code == 0 && !sig && !timed_out) {
			ret = EXIT_OK;
			break;
		}
		ret = sig ? 128 + sig : timed_out ? 128 + SIGTERM : code > 0 ? code : EXIT_FAIL;
		if (stop_signal)
			break;
	}
out:
	if (jb.rec >= 0)
		close(jb.rec);
	json_decref(jb.spec);
	free(rec_path);
	free(name);
	return ret;
}
