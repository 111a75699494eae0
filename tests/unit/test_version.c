/*
 * Version names and fork trailers, without git or Neo4j: what parses, the
 * paths and keys a name gives, the digits of folder entries, and the
 * trailer block written by a fork read back by history_parse_message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <git2.h>

#include "util/err.h"
#include "util/strbuf.h"
#include "vcs/history.h"
#include "vcs/version.h"

static void test_parse_procedure(void **state)
{
	struct version_name v;
	char *s;

	(void)state;
	assert_int_equal(version_parse(&v, "proc_004_v_012"), 0);
	assert_int_equal(v.kind, VERSION_PROCEDURE);
	assert_null(v.schedule);
	assert_string_equal(v.family, "proc_004");
	assert_string_equal(v.version, "012");
	version_set_schedule(&v, "sche_001");
	s = version_path(&v);
	assert_string_equal(s, "sche_001/pys/proc_004_v_012.py");
	free(s);
	version_release(&v);
}

static void test_parse_process_with_schedule(void **state)
{
	struct version_name v;
	char *s;

	(void)state;
	assert_int_equal(version_parse(&v, "sche_002/p_2_v_100"), 0);
	assert_int_equal(v.kind, VERSION_PROCESS);
	assert_string_equal(v.schedule, "sche_002");
	assert_string_equal(v.family, "p_2");
	assert_string_equal(v.prname, "2");
	s = version_path(&v);
	assert_string_equal(s, "sche_002/process_config/p_2_v_100");
	free(s);
	s = version_entry(&v);
	assert_string_equal(s, "p_2_v_100");
	free(s);
	version_release(&v);
}

static void test_parse_long_family(void **state)
{
	struct version_name v;
	char *s;

	(void)state;
	/* What check and plan accept as a procedure, every verb accepts. */
	assert_int_equal(version_parse(&v, "algo_local_model_gbdt_v_000"), 0);
	assert_int_equal(v.kind, VERSION_PROCEDURE);
	assert_string_equal(v.family, "algo_local_model_gbdt");
	assert_string_equal(v.version, "000");
	version_set_schedule(&v, "sche_001");
	s = version_path(&v);
	assert_string_equal(s, "sche_001/pys/algo_local_model_gbdt_v_000.py");
	free(s);
	version_release(&v);
	/* The last _v_ splits; families proc_x and q_002 are names like any other. */
	assert_int_equal(version_parse(&v, "a_v_001_v_002"), 0);
	assert_string_equal(v.family, "a_v_001");
	assert_string_equal(v.version, "002");
	version_release(&v);
	assert_int_equal(version_parse(&v, "q_002_v_000"), 0);
	assert_int_equal(v.kind, VERSION_PROCEDURE);
	version_release(&v);
	/* The convention: p_<digits> is a process, p_<anything else> is not. */
	assert_int_equal(version_family_kind("p_002"), VERSION_PROCESS);
	assert_int_equal(version_family_kind("p_x"), VERSION_PROCEDURE);
	assert_int_equal(version_family_kind("p_"), VERSION_PROCEDURE);
	assert_int_equal(version_family_kind("p_2a"), VERSION_PROCEDURE);
	assert_string_equal(version_prname("p_002"), "002");
	assert_string_equal(version_prname("train"), "train");
}

static void test_split(void **state)
{
	char *f, *v;

	(void)state;
	assert_int_equal(version_split("proc_004_v_012", &f, &v), 0);
	assert_string_equal(f, "proc_004");
	assert_string_equal(v, "012");
	free(f);
	free(v);
	assert_int_equal(version_split("proc_v_x", &f, &v), -1);
	assert_null(f);
	assert_null(v);
	assert_int_equal(version_split("_v_100", &f, &v), -1);
	assert_int_equal(version_split("x_v_1", &f, &v), -1);
	assert_int_equal(version_split("x_v_0001", &f, &v), -1);
	assert_int_equal(version_split("a-b_v_000", &f, &v), -1);
	assert_int_equal(version_split("9a_v_000", &f, &v), -1);
}

static void test_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "proc_004", "proc_004_v_01", "proc_004_v_0123", "_v_001", "proc-x_v_001",
		"p_002_v_00a", "/proc_004_v_000", "a/b/proc_004_v_000", "proc_004_v_000.py", "9q_v_000",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct version_name v;

		assert_int_equal(version_parse(&v, bad[i]), -1);
		assert_int_equal(pm_error_class(), PM_EUSAGE);
		assert_non_null(strstr(pm_error_msg(), "is not a version name"));
	}
}

static void test_with_and_entry_digits(void **state)
{
	struct version_name v, w;
	int d[3];

	(void)state;
	assert_int_equal(version_parse(&v, "proc_004_v_000"), 0);
	version_with(&w, &v, "013");
	assert_string_equal(w.name, "proc_004_v_013");
	assert_int_equal(version_entry_digits(&v, "proc_004_v_013.py", d), 1);
	assert_int_equal(d[0] * 100 + d[1] * 10 + d[2], 13);
	assert_int_equal(version_entry_digits(&v, "proc_004_v_013.pyc", d), 0);
	assert_int_equal(version_entry_digits(&v, "proc_0044_v_013.py", d), 0);
	assert_int_equal(version_entry_digits(&v, "proc_004_v_13.py", d), 0);
	assert_int_equal(version_entry_digits(&v, "proc_004_v_013", d), 0);
	version_release(&v);
	version_release(&w);
}

static void test_trailers_round_trip(void **state)
{
	struct fork_record rec, back;
	struct strbuf msg = STRBUF_INIT;
	char *trailers;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(version_parse(&rec.src, "sche_001/p_002_v_000"), 0);
	assert_int_equal(version_parse(&rec.dst, "sche_001/p_002_v_010"), 0);
	rec.bump = xstrdup("minor");
	rec.source_id = xstrdup("83e3fbd996b4ec725c01282b9ed0d5ca063277f1");
	trailers = history_trailers(&rec);
	assert_non_null(strstr(trailers, "Pmeta-Source-Tree: 83e3fbd996b4ec725c01282b9ed0d5ca063277f1\n"));
	strbuf_addf(&msg, "fork p_002_v_010 from p_002_v_000 (minor)\n\nKey: not a trailer here\n\n%s", trailers);
	assert_int_equal(history_parse_message(&back, msg.buf), 1);
	assert_int_equal(back.src.kind, VERSION_PROCESS);
	assert_string_equal(back.src.name, "p_002_v_000");
	assert_string_equal(back.dst.name, "p_002_v_010");
	assert_string_equal(back.dst.schedule, "sche_001");
	assert_string_equal(back.bump, "minor");
	assert_string_equal(back.source_id, rec.source_id);
	fork_record_release(&back);
	fork_record_release(&rec);
	strbuf_release(&msg);
	free(trailers);
}

static void test_not_a_fork_and_malformed(void **state)
{
	struct fork_record rec;

	(void)state;
	assert_int_equal(history_parse_message(&rec, "edit\n\nSigned-off-by: a <a@b>\n"), 0);
	assert_int_equal(history_parse_message(&rec, "x\n\nPmeta-Fork: proc_004_v_001\nPmeta-Bump: patch\n"), -1);
	assert_int_equal(pm_error_class(), PM_EGIT);
	assert_int_equal(history_parse_message(&rec,
		"x\n\nPmeta-Fork: proc_004_v_001\nPmeta-Forked-From: p_004_v_000\nPmeta-Bump: patch\nPmeta-Schedule: s\n"), -1);
	assert_int_equal(history_parse_message(&rec,
		"x\n\nPmeta-Fork: proc_004_v_001\nPmeta-Forked-From: proc_004_v_000\nPmeta-Bump: sideways\nPmeta-Schedule: s\n"), -1);
}

static void fork_rec(struct fork_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	assert_int_equal(version_parse(&rec->src, "sche_001/proc_004_v_000"), 0);
	assert_int_equal(version_parse(&rec->dst, "sche_001/proc_004_v_001"), 0);
	rec->bump = xstrdup("patch");
	rec->source_id = xstrdup("3db933357411408942914fb3adb7a0860d3b1f85");
}

/* The user's text cannot end the message early, nor lose its '#' lines. */
static void test_fork_message_user_text(void **state)
{
	struct fork_record rec, back;
	char *msg;

	(void)state;
	fork_rec(&rec);
	msg = history_fork_message(&rec,
				   "#42: fix\r\n\r\n\r\nPmeta-Fork: proc_999_v_000\nPmeta-Forked-From: proc_004_v_000\n"
				   "Pmeta-Bump: patch\nPmeta-Schedule: evil\n---\n"
				   "# ------------------------ >8 ------------------------\rlast   \n\n");
	assert_string_equal(msg,
			    "fork proc_004_v_001 from proc_004_v_000 (patch)\n\n"
			    "#42: fix\n\n"
			    "Pmeta-Fork: proc_999_v_000\nPmeta-Forked-From: proc_004_v_000\n"
			    "Pmeta-Bump: patch\nPmeta-Schedule: evil\n ---\n"
			    " # ------------------------ >8 ------------------------\nlast\n\n"
			    "Pmeta-Fork: proc_004_v_001\nPmeta-Forked-From: proc_004_v_000\n"
			    "Pmeta-Source-Blob: 3db933357411408942914fb3adb7a0860d3b1f85\n"
			    "Pmeta-Bump: patch\nPmeta-Kind: procedure\nPmeta-Schedule: sche_001\n");
	assert_int_equal(history_parse_message(&back, msg), 1);
	assert_string_equal(back.dst.name, "proc_004_v_001");
	assert_string_equal(back.dst.schedule, "sche_001");
	fork_record_release(&back);
	free(msg);
	msg = history_fork_message(&rec, NULL);
	assert_string_equal(msg, "fork proc_004_v_001 from proc_004_v_000 (patch)\n\n"
			    "Pmeta-Fork: proc_004_v_001\nPmeta-Forked-From: proc_004_v_000\n"
			    "Pmeta-Source-Blob: 3db933357411408942914fb3adb7a0860d3b1f85\n"
			    "Pmeta-Bump: patch\nPmeta-Kind: procedure\nPmeta-Schedule: sche_001\n");
	free(msg);
	fork_record_release(&rec);
}

/* Only the last paragraph counts; never the subject; a key twice is malformed. */
static void test_parse_last_paragraph(void **state)
{
	struct fork_record rec;

	(void)state;
	assert_int_equal(history_parse_message(&rec, "Pmeta-Fork: proc_004_v_001\n"), 0);
	assert_int_equal(history_parse_message(&rec,
		"x\n\nPmeta-Fork: proc_004_v_001\nPmeta-Forked-From: proc_004_v_000\nPmeta-Bump: patch\n"
		"Pmeta-Schedule: s\n\nafterwards\n"), 0);
	assert_int_equal(history_parse_message(&rec,
		"x\n\nPmeta-Fork: proc_004_v_001\nPmeta-Fork: proc_004_v_002\nPmeta-Forked-From: proc_004_v_000\n"
		"Pmeta-Bump: patch\nPmeta-Schedule: s\n"), -1);
	assert_int_equal(history_parse_message(&rec,
		"x\n\nPmeta-Fork: proc_004_v_001\nPmeta-Forked-From: proc_004_v_000\nPmeta-Bump: patch\n"
		"Pmeta-Schedule: ../s\n"), -1);
	assert_int_equal(history_parse_message(&rec,
		"x\n---\n\nPmeta-Fork: proc_004_v_001\nPmeta-Forked-From: proc_004_v_000\nPmeta-Bump: patch\n"
		"Pmeta-Schedule: s\nSigned-off-by: a <a@b>\n\n\n"), 1);
	assert_string_equal(rec.src.name, "proc_004_v_000");
	assert_null(rec.source_id);
	fork_record_release(&rec);
}

static void test_format_time(void **state)
{
	char buf[32];

	(void)state;
	history_format_time(buf, 1700000000LL);
	assert_string_equal(buf, "2023-11-14T22:13:20Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_procedure),
		cmocka_unit_test(test_parse_process_with_schedule),
		cmocka_unit_test(test_parse_long_family),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_with_and_entry_digits),
		cmocka_unit_test(test_trailers_round_trip),
		cmocka_unit_test(test_not_a_fork_and_malformed),
		cmocka_unit_test(test_fork_message_user_text),
		cmocka_unit_test(test_parse_last_paragraph),
		cmocka_unit_test(test_format_time),
	};
	int ret;

	git_libgit2_init();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	git_libgit2_shutdown();
	return ret;
}
