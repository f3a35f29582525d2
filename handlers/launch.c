/* handlers/launch.c — awsemu-launch, the first process of every Lambda handler instance.
 *
 * usage: awsemu-launch AWSEMU_PID PROGRAM [ARG...]
 *
 * Why it exists: a handler instance runs in its own process group (so a timeout kills its
 * grandchildren too), which also means nothing kills it when awsemu itself is killed with
 * SIGKILL: an idle runtime notices its Runtime API connection break, but a busy handler would
 * run on (DESIGN invariant 6). libuv gives no hook between fork and exec, so this small
 * program does it: it asks the kernel for SIGTERM when awsemu's thread that started it dies
 * (PR_SET_PDEATHSIG), starts the runtime as its child in the same process group, and on that
 * signal kills the whole group. Otherwise it waits and exits as the runtime did (same status,
 * or the same signal), so awsemu sees the runtime's own exit.
 * It links nothing but libc and does no allocation. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t orphaned;

static void on_parent_death(int sig)
{
    (void)sig;
    orphaned = 1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: awsemu-launch AWSEMU_PID PROGRAM [ARG...]\n", stderr);
        return 127;
    }
    pid_t awsemu = (pid_t)strtol(argv[1], NULL, 10);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_parent_death; /* no SA_RESTART: waitpid() returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != awsemu)
        return 127; /* awsemu is already gone (or we cannot watch it) */

    pid_t child = fork();
    if (child < 0) {
        perror("awsemu-launch: fork");
        return 127;
    }
    if (child == 0) {
        signal(SIGTERM, SIG_DFL);
        execv(argv[2], argv + 2);
        fprintf(stderr, "awsemu-launch: cannot run '%s': %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    int status = 0;
    for (;;) {
        if (orphaned) {
            kill(0, SIGKILL); /* the whole group, this process included */
            return 137;
        }
        pid_t r = waitpid(child, &status, 0);
        if (r == child)
            break;
        if (r < 0 && errno != EINTR)
            return 127;
    }
    if (WIFSIGNALED(status)) {
        signal(WTERMSIG(status), SIG_DFL);
        raise(WTERMSIG(status));
        return 128 + WTERMSIG(status);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 127;
}
