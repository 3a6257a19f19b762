/* test_base_data.c — embedded data files (base/data.h) and the TIANBAO_DATA
 * folder override. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_embedded(void **state)
{
	(void)state;
	unsetenv("TIANBAO_DATA");
	size_t n = 0;
	char *s = tb_data_read("codes/codes.csv", &n);
	assert_non_null(s);
	assert_int_equal(strlen(s), n);
	assert_true(!strncmp(s, "list,code,label_zh,label_en,parent", 34));
	assert_non_null(strstr(s, "di_lei,030100,乔木林地"));
	free(s);
	assert_null(tb_data_read("codes/nope.csv", &n));
	assert_null(tb_data_read("", NULL));
}

static void test_override(void **state)
{
	(void)state;
	char dir[] = "/tmp/tb_data_XXXXXX";
	assert_non_null(mkdtemp(dir));
	char sub[256], path[300];
	snprintf(sub, sizeof sub, "%s/codes", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof path, "%s/codes.csv", sub);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	/* larger than one read chunk, to exercise growth */
	for (int i = 0; i < 20000; i++)
		fprintf(f, "row %d\n", i);
	fclose(f);
	setenv("TIANBAO_DATA", dir, 1);
	size_t n = 0;
	char *s = tb_data_read("codes/codes.csv", &n);
	assert_non_null(s);
	assert_true(n > 65536 * 2);
	assert_true(!strncmp(s, "row 0\n", 6));
	assert_non_null(strstr(s, "row 19999\n"));
	assert_int_equal(s[n], 0);
	free(s);
	/* a file the folder lacks comes from the embedded set */
	s = tb_data_read("codes/restoration_classes.csv", &n);
	assert_non_null(s);
	free(s);
	unsetenv("TIANBAO_DATA");
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_embedded),
	    cmocka_unit_test(test_override),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
