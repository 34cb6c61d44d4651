#include "strategies/sandbox.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gen/compile.h"
#include "ir/clock.h"

ait_status ait_sandbox_run(ait_sandbox_fn fn, void *ctx, double timeout_s, ait_sandbox_result *r)
{
    memset(r, 0, sizeof *r);
    int fd[2];
    if (pipe(fd) != 0) {
        snprintf(r->msg, sizeof r->msg, "pipe: %s", strerror(errno));
        return r->code = AIT_E_RUNTIME;
    }
    fflush(NULL);
    ait_gcc_work_dir(); /* made here, so a child's builds go where this process removes them */
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        snprintf(r->msg, sizeof r->msg, "fork: %s", strerror(errno));
        return r->code = AIT_E_RUNTIME;
    }
    if (pid == 0) {
        /* a host's handlers (a test framework's, a sanitizer's) must not catch the child's crash */
        static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM, SIGTERM};
        for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
            signal(fatal[i], SIG_DFL);
        close(fd[0]);
        ait_sandbox_result cr;
        memset(&cr, 0, sizeof cr);
        fn(ctx, &cr);
        ssize_t w = write(fd[1], &cr, sizeof cr);
        _exit(w == (ssize_t)sizeof cr ? 0 : 3);
    }
    close(fd[1]);
    size_t got = 0;
    double deadline = ait_now_s() + timeout_s;
    int timed_out = 0;
    while (got < sizeof *r) {
        double left = deadline - ait_now_s();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        struct pollfd p = {fd[0], POLLIN, 0};
        int pr = poll(&p, 1, (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue;
        ssize_t n = read(fd[0], (char *)r + got, sizeof *r - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (timed_out) {
        memset(r, 0, sizeof *r);
        snprintf(r->msg, sizeof r->msg, "timed out after %.0f s", timeout_s);
        return r->code = AIT_E_RUNTIME;
    }
    if (got != sizeof *r) {
        memset(r, 0, sizeof *r);
        if (WIFSIGNALED(st))
            snprintf(r->msg, sizeof r->msg, "crashed with signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
        else
            snprintf(r->msg, sizeof r->msg, "exited with status %d before reporting", WEXITSTATUS(st));
        return r->code = AIT_E_RUNTIME;
    }
    return r->code;
}
