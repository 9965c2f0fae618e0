/* sandbox: a C program (clang + wasi-libc) that reports what the sandbox
   shows it, for runtime/wasm's foreign_test.go. MODE selects: "report"
   (the default) prints the clocks, random bytes, arguments, environment
   and directory listings, reads the input "in", tries to write where it
   may not, writes /outputs/a.txt, and exits with code 7; "loop" spins
   forever without calling out; "grow" allocates until malloc fails. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void list(const char *path) {
	DIR *d = opendir(path);
	if (!d) {
		printf("ls %s: %s\n", path, strerror(errno));
		return;
	}
	char names[64][64];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 64) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			snprintf(names[n++], 64, "%s", e->d_name);
	}
	closedir(d);
	printf("ls %s:", path);
	for (int i = 0; i < n; i++)
		printf(" %s", names[i]);
	printf("\n");
}

static void try_write(const char *path) {
	FILE *f = fopen(path, "w");
	printf("write %s: %s\n", path, f ? "ok" : strerror(errno));
	if (f)
		fclose(f);
}

int main(int argc, char **argv) {
	const char *mode = getenv("MODE");
	if (mode && strcmp(mode, "loop") == 0) {
		volatile unsigned long x = 0;
		for (;;)
			x++;
	}
	if (mode && strcmp(mode, "grow") == 0) {
		static char *volatile sink;
		size_t total = 0;
		for (;;) {
			char *p = malloc(1 << 20);
			if (!p)
				break;
			p[0] = 1; /* a used allocation: the compiler may not drop it */
			sink = p;
			total += 1 << 20;
		}
		printf("malloc failed after %zu MiB\n", total >> 20);
		return 1;
	}
	struct timespec rt, mono;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	printf("realtime %lld.%09ld\n", (long long)rt.tv_sec, rt.tv_nsec);
	printf("monotonic %lld.%09ld\n", (long long)mono.tv_sec, mono.tv_nsec);
	unsigned char r[16];
	if (getentropy(r, sizeof r) != 0)
		printf("getentropy: %s\n", strerror(errno));
	printf("random ");
	for (size_t i = 0; i < sizeof r; i++)
		printf("%02x", r[i]);
	printf("\n");
	for (int i = 0; i < argc; i++)
		printf("arg %s\n", argv[i]);
	for (char **e = environ; *e; e++)
		printf("env %s\n", *e);
	list("/");
	list("/inputs");
	FILE *in = fopen("/inputs/in", "r");
	char line[128] = "";
	if (in) {
		fgets(line, sizeof line, in);
		fclose(in);
	}
	printf("input %s", line);
	try_write("/inputs/in");
	try_write("/sandbox.wasm");
	try_write("/new.txt");
	FILE *out = fopen("/outputs/a.txt", "w");
	if (!out || fputs("written by C\n", out) < 0 || fclose(out) != 0) {
		fprintf(stderr, "write /outputs/a.txt: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "to stderr\n");
	return 7;
}
