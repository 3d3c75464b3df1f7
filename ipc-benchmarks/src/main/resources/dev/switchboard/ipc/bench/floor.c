/*
 * The physical floor: what a parent and a forked child can do over one AF_UNIX SOCK_STREAM
 * socketpair with plain read/write/sendmsg and nothing in between. Compiled by the benchmark
 * driver at run time (cc -O2) so that it measures this machine, and run exactly like the JVM
 * series: same workloads, same pinning, same result file format (see ResultFile.java).
 *
 *   floor rtt    <out> <warmup> <iterations> <size>...
 *   floor stream <out> <warmup-trials> <trials> <size>:<batch>...
 *   floor fds    <out> <warmup-trials> <trials> <batch>
 *
 * Every sample is nanoseconds of CLOCK_MONOTONIC, the clock System.nanoTime reads on Linux.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Big enough that a child draining a bulk stream does few reads, as a tuned reader would. */
#define DRAIN_CHUNK (256 * 1024)

static void die(const char *what) {
    perror(what);
    exit(2);
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void write_full(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("write");
        }
        buf += n;
        len -= (size_t) n;
    }
}

/* Returns 0 on EOF before len bytes (the peer is done), 1 when all arrived. */
static int read_full(int fd, char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = read(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("read");
        }
        if (n == 0) return 0;
        buf += n;
        len -= (size_t) n;
    }
    return 1;
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) die("malloc");
    memset(p, 'x', n ? n : 1);
    return p;
}

/* The Cpus_allowed_list line of a process, so the driver can check the pinning really held. */
static void affinity_of(pid_t pid, char *out, size_t cap) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
    snprintf(out, cap, "unknown");
    FILE *f = fopen(path, "r");
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "Cpus_allowed_list:", 18) == 0) {
            char *v = line + 18;
            while (*v == ' ' || *v == '\t') v++;
            v[strcspn(v, "\n")] = 0;
            snprintf(out, cap, "%s", v);
        }
    }
    fclose(f);
}

struct samples {
    char name[64];
    long count;
    int64_t *ns;
};

static void write_results(const char *path, pid_t child, struct samples *s, int n) {
    char mine[512], theirs[512];
    affinity_of(getpid(), mine, sizeof mine);
    affinity_of(child, theirs, sizeof theirs);
    FILE *f = fopen(path, "w");
    if (!f) die(path);
    fprintf(f, "@info affinity_parent=%s\n", mine);
    fprintf(f, "@info affinity_child=%s\n", theirs);
    for (int i = 0; i < n; i++) {
        fprintf(f, "@samples %s %ld\n", s[i].name, s[i].count);
        for (long j = 0; j < s[i].count; j++) fprintf(f, "%lld\n", (long long) s[i].ns[j]);
    }
    if (fclose(f) != 0) die(path);
}

/* ---- round trips ------------------------------------------------------------------------ */

static void rtt_child(int fd, long warmup, long iters, char **sizes, int nsizes) {
    for (int k = 0; k < nsizes; k++) {
        size_t size = strtoul(sizes[k], NULL, 10);
        char *buf = xmalloc(size);
        for (long i = 0; i < warmup + iters; i++) {
            if (!read_full(fd, buf, size)) exit(3);
            write_full(fd, buf, size);
        }
        free(buf);
    }
}

static int rtt_parent(int fd, pid_t child, const char *out, long warmup, long iters, char **sizes, int nsizes) {
    struct samples s[16];
    if (nsizes > 16) nsizes = 16;
    for (int k = 0; k < nsizes; k++) {
        size_t size = strtoul(sizes[k], NULL, 10);
        char *buf = xmalloc(size);
        snprintf(s[k].name, sizeof s[k].name, "rtt_ns@%zu", size);
        s[k].count = iters;
        s[k].ns = xmalloc(sizeof(int64_t) * (size_t) iters);
        for (long i = 0; i < warmup + iters; i++) {
            int64_t t0 = now_ns();
            write_full(fd, buf, size);
            if (!read_full(fd, buf, size)) { fprintf(stderr, "child closed early\n"); return 3; }
            int64_t t1 = now_ns();
            if (i >= warmup) s[k].ns[i - warmup] = t1 - t0;
        }
        free(buf);
    }
    write_results(out, child, s, nsizes);
    return 0;
}

/* ---- one-way streams -------------------------------------------------------------------- */

static void parse_size_batch(const char *spec, size_t *size, long *batch) {
    char *colon;
    *size = strtoul(spec, &colon, 10);
    if (*colon != ':') { fprintf(stderr, "want <size>:<batch>, got %s\n", spec); exit(2); }
    *batch = strtol(colon + 1, NULL, 10);
}

static void stream_child(int fd, long trials, char **specs, int nspecs) {
    char *buf = xmalloc(DRAIN_CHUNK);
    char ack = 'A';
    for (int k = 0; k < nspecs; k++) {
        size_t size; long batch;
        parse_size_batch(specs[k], &size, &batch);
        for (long t = 0; t < trials; t++) {
            size_t left = size * (size_t) batch;
            while (left > 0) {
                ssize_t n = read(fd, buf, left < DRAIN_CHUNK ? left : DRAIN_CHUNK);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) exit(3);
                left -= (size_t) n;
            }
            write_full(fd, &ack, 1);
        }
    }
    free(buf);
}

static int stream_parent(int fd, pid_t child, const char *out, long warmup, long trials, char **specs, int nspecs) {
    struct samples s[16];
    if (nspecs > 16) nspecs = 16;
    for (int k = 0; k < nspecs; k++) {
        size_t size; long batch;
        parse_size_batch(specs[k], &size, &batch);
        char *buf = xmalloc(size);
        char ack;
        snprintf(s[k].name, sizeof s[k].name, "batch_ns@%zu", size);
        s[k].count = trials;
        s[k].ns = xmalloc(sizeof(int64_t) * (size_t) trials);
        for (long t = 0; t < warmup + trials; t++) {
            int64_t t0 = now_ns();
            for (long j = 0; j < batch; j++) write_full(fd, buf, size);
            if (!read_full(fd, &ack, 1)) { fprintf(stderr, "child closed early\n"); return 3; }
            int64_t t1 = now_ns();
            if (t >= warmup) s[k].ns[t - warmup] = t1 - t0;
        }
        free(buf);
    }
    write_results(out, child, s, nspecs);
    return 0;
}

/* ---- descriptor passing ----------------------------------------------------------------- */

static void fds_child(int fd, long trials, long batch) {
    char ack = 'A';
    for (long t = 0; t < trials; t++) {
        for (long j = 0; j < batch; j++) {
            char byte;
            union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } control;
            struct iovec iov = { &byte, 1 };
            struct msghdr msg = { 0 };
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control.buf;
            msg.msg_controllen = sizeof control.buf;
            ssize_t n;
            do {
                n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
            } while (n < 0 && errno == EINTR);
            if (n <= 0) exit(3);
            struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
            if (!c || c->cmsg_type != SCM_RIGHTS) { fprintf(stderr, "message without a descriptor\n"); exit(4); }
            int received;
            memcpy(&received, CMSG_DATA(c), sizeof received);
            close(received);
        }
        write_full(fd, &ack, 1);
    }
}

static int fds_parent(int fd, pid_t child, const char *out, long warmup, long trials, long batch) {
    int passed = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (passed < 0) die("/dev/null");
    struct samples s[1];
    snprintf(s[0].name, sizeof s[0].name, "batch_ns@1");
    s[0].count = trials;
    s[0].ns = xmalloc(sizeof(int64_t) * (size_t) trials);
    for (long t = 0; t < warmup + trials; t++) {
        int64_t t0 = now_ns();
        for (long j = 0; j < batch; j++) {
            char byte = 'F';
            union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } control;
            memset(&control, 0, sizeof control);
            struct iovec iov = { &byte, 1 };
            struct msghdr msg = { 0 };
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control.buf;
            msg.msg_controllen = sizeof control.buf;
            struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(c), &passed, sizeof passed);
            while (sendmsg(fd, &msg, 0) < 0) {
                if (errno != EINTR) die("sendmsg");
            }
        }
        char ack;
        if (!read_full(fd, &ack, 1)) { fprintf(stderr, "child closed early\n"); return 3; }
        int64_t t1 = now_ns();
        if (t >= warmup) s[0].ns[t - warmup] = t1 - t0;
    }
    close(passed);
    write_results(out, child, s, 1);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s rtt|stream|fds <out> <warmup> <count> <arg>...\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1];
    const char *out = argv[2];
    long warmup = strtol(argv[3], NULL, 10);
    long count = strtol(argv[4], NULL, 10);
    char **rest = argv + 5;
    int nrest = argc - 5;

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) die("socketpair");
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        close(sv[0]);
        if (strcmp(mode, "rtt") == 0) rtt_child(sv[1], warmup, count, rest, nrest);
        else if (strcmp(mode, "stream") == 0) stream_child(sv[1], warmup + count, rest, nrest);
        else if (strcmp(mode, "fds") == 0) fds_child(sv[1], warmup + count, strtol(rest[0], NULL, 10));
        /* wait for the parent's close so that it can still read our /proc entry */
        char b;
        while (read(sv[1], &b, 1) > 0) {}
        _exit(0);
    }
    close(sv[1]);
    int rc;
    if (strcmp(mode, "rtt") == 0) rc = rtt_parent(sv[0], pid, out, warmup, count, rest, nrest);
    else if (strcmp(mode, "stream") == 0) rc = stream_parent(sv[0], pid, out, warmup, count, rest, nrest);
    else if (strcmp(mode, "fds") == 0) rc = fds_parent(sv[0], pid, out, warmup, count, strtol(rest[0], NULL, 10));
    else { fprintf(stderr, "unknown mode %s\n", mode); rc = 2; }
    close(sv[0]);
    int status;
    waitpid(pid, &status, 0);
    if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        fprintf(stderr, "child ended with status %d\n", status);
        rc = 3;
    }
    return rc;
}
