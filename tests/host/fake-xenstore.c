// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the four libxenstore calls splitctl makes, preloaded by
 * tests/host/splitctl-list.sh (LD_PRELOAD) so that `status` and the owners
 * of `pci list` can be checked on a build machine with no xenstored.
 *
 * The store is a directory tree under $FAKE_XENSTORE: node /a/b is the
 * directory $FAKE_XENSTORE/a/b, its value the bytes of the file ".value"
 * in it (empty if there is none), its children its subdirectories. With
 * FAKE_XENSTORE unset, xs_open() fails as it does without xenstored.
 */

#define _GNU_SOURCE	/* asprintf */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <xenstore.h>

struct xs_handle {
	char root[1024];
};

struct xs_handle *xs_open(unsigned long flags)
{
	const char *root = getenv("FAKE_XENSTORE");
	struct xs_handle *h;

	(void)flags;
	if (!root) {
		errno = ENOENT;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	snprintf(h->root, sizeof(h->root), "%s", root);
	return h;
}

void xs_close(struct xs_handle *h)
{
	free(h);
}

/* The node's directory, or NULL with errno ENOENT if there is none. */
static char *node_dir(struct xs_handle *h, const char *path)
{
	struct stat st;
	char *dir;

	if (path[0] != '/' || strstr(path, "..")) {
		errno = EINVAL;
		return NULL;
	}
	if (asprintf(&dir, "%s%s", h->root, path) < 0)
		return NULL;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		free(dir);
		errno = ENOENT;
		return NULL;
	}
	return dir;
}

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path,
	      unsigned int *len)
{
	char *dir, *file, *buf;
	size_t n = 0;
	FILE *f;

	(void)t;
	dir = node_dir(h, path);
	if (!dir)
		return NULL;
	if (asprintf(&file, "%s/.value", dir) < 0) {
		free(dir);
		return NULL;
	}
	free(dir);
	buf = calloc(1, 4097);
	f = fopen(file, "rb");
	free(file);
	if (buf && f)
		n = fread(buf, 1, 4096, f);
	if (f)
		fclose(f);
	if (buf)
		buf[n] = '\0';
	*len = (unsigned int)n;
	return buf;
}

/* Like the real one: one allocation holding the array and the names. */
char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
		    unsigned int *num)
{
	size_t count = 0, bytes = 0, i = 0;
	struct dirent *de;
	char **names, *p;
	char *dir;
	DIR *d;

	(void)t;
	dir = node_dir(h, path);
	if (!dir)
		return NULL;
	d = opendir(dir);
	free(dir);
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		count++;
		bytes += strlen(de->d_name) + 1;
	}
	names = malloc((count + 1) * sizeof(*names) + bytes);
	if (!names) {
		closedir(d);
		return NULL;
	}
	p = (char *)(names + count + 1);
	rewinddir(d);
	while ((de = readdir(d)) && i < count) {
		if (de->d_name[0] == '.')
			continue;
		strcpy(p, de->d_name);
		names[i++] = p;
		p += strlen(p) + 1;
	}
	closedir(d);
	*num = (unsigned int)i;
	return names;
}
