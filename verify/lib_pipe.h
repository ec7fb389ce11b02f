/*
 * lib_pipe.h — a pipe fed by a child process, for the tests of readers that
 * must handle pipes and devices (`--data <(cat x.npy)`) without reading an
 * endless stream to the memory cap.
 */
#ifndef AEKIT_VERIFY_LIB_PIPE_H
#define AEKIT_VERIFY_LIB_PIPE_H

#include <stddef.h>
#include <sys/types.h>

/* A pipe fed with len bytes of data, then, if tail is not NULL, tail
 * repeated forever ("" : zero bytes).  Its reading end is "/dev/fd/<fd>" in
 * path (n bytes); returns that fd, or -1.  The child dies of SIGPIPE once
 * the reader closes; test_pipe_close reaps it. */
int test_pipe_open(const void *data, size_t len, const char *tail, char *path, size_t n,
                   pid_t *pid);

void test_pipe_close(int fd, pid_t pid);

#endif
