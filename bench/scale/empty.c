/*
 * The floor for `pmeta version`: a program that does nothing, linked to the
 * same libraries as pmeta (bench/scale/run.sh builds it with pmeta's LIBS),
 * so the dynamic loader's work is the same.
 */
int main(void)
{
	return 0;
}
