/* lib_pipe.c — a pipe fed by a child process (lib_pipe.h). */
#define _GNU_SOURCE /* fork, kill */
#include "lib_pipe.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int test_pipe_open(const void *data, size_t len, const char *tail, char *path, size_t n,
                   pid_t *pid)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    *pid = fork();
    if (*pid == 0) {
        close(fd[0]);
        int ok = len == 0 || write(fd[1], data, len) == (ssize_t)len;
        size_t tl = tail ? strlen(tail) : 0; /* "" : zero bytes */
        char block[4096] = {0};
        for (size_t i = 0; tl && i < sizeof block; i++)
            block[i] = tail[i % tl];
        size_t bl = tl ? sizeof block - sizeof block % tl : sizeof block;
        while (ok && tail && write(fd[1], block, bl) > 0)
            ;
        _exit(0);
    }
    close(fd[1]);
    snprintf(path, n, "/dev/fd/%d", fd[0]);
    return fd[0];
}

void test_pipe_close(int fd, pid_t pid)
{
    close(fd);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}
