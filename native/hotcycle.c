/*
 * hotcycle.node — the few socket and descriptor calls Node does not offer.
 *
 * Why this exists (measured on Node 24):
 *  - A master that listens through net.Server accepts about half of all connections
 *    itself: libuv starts accepting as soon as it listens. The master must instead hold
 *    raw listening sockets it never accepts on, so connections queue in the kernel until
 *    a worker accepts them and a handover between generations refuses nothing.
 *  - Passing a net.Server in spawn()'s stdio orphans the child; passing a raw fd number
 *    works (the child gets it as fd 3, 4, ...). So the master needs fd numbers.
 *  - process.binding() and internal bindings are not public API.
 *  - Node cannot read SO_PEERCRED, which the control server logs (who asked to reload).
 *  - spawn()'s 'pipe' stdio is a socketpair, and a child that reopens its own stdout
 *    (open("/dev/stdout"), nginx's `access_log /dev/stdout;`) gets ENXIO: a socket cannot
 *    be opened through /proc/self/fd. A pipe(2) can, so children's output goes through one.
 *
 * Everything is synchronous. Failures throw an Error with .code (errno name, e.g.
 * 'EADDRINUSE'), .errno and .syscall, after closing whatever the call opened.
 * Hosts are numeric IPs: names are resolved (or rejected) in TypeScript.
 */
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#define _GNU_SOURCE
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* errno names for the codes these calls can produce; musl has no strerrorname_np. */
#define ERRNO_NAME(e) case e: return #e;
static const char *errno_name(int err) {
  switch (err) {
    ERRNO_NAME(EACCES) ERRNO_NAME(EADDRINUSE) ERRNO_NAME(EADDRNOTAVAIL)
    ERRNO_NAME(EAFNOSUPPORT) ERRNO_NAME(EAGAIN) ERRNO_NAME(EBADF)
    ERRNO_NAME(ECONNREFUSED) ERRNO_NAME(EEXIST) ERRNO_NAME(EINTR)
    ERRNO_NAME(EINVAL) ERRNO_NAME(EISDIR) ERRNO_NAME(ELOOP) ERRNO_NAME(EMFILE)
    ERRNO_NAME(ENAMETOOLONG) ERRNO_NAME(ENFILE) ERRNO_NAME(ENOBUFS)
    ERRNO_NAME(ENOENT) ERRNO_NAME(ENOMEM) ERRNO_NAME(ENOPROTOOPT)
    ERRNO_NAME(ENOTCONN) ERRNO_NAME(ENOTDIR) ERRNO_NAME(ENOTSOCK)
    ERRNO_NAME(EOPNOTSUPP) ERRNO_NAME(EPERM) ERRNO_NAME(EROFS)
    default: return "UNKNOWN";
  }
}

/* Throws `syscall CODE: strerror` with .code/.errno/.syscall; returns NULL for the caller. */
static napi_value throw_errno(napi_env env, const char *syscall, int err) {
  char text[256];
  napi_value message, code, error, errno_value, syscall_value;
  snprintf(text, sizeof text, "%s %s: %s", syscall, errno_name(err), strerror(err));
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
  napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, message, &error);
  napi_create_int32(env, -err, &errno_value); /* negative, as Node's own errors */
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_set_named_property(env, error, "syscall", syscall_value);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

/* Reads a string argument into buf; 0 on success (a TypeError is pending otherwise). */
static int arg_string(napi_env env, napi_value value, char *buf, size_t size) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, buf, size, &length) != napi_ok) {
    throw_type(env, "expected a string argument");
    return -1;
  }
  if (length + 1 >= size) {
    throw_type(env, "string argument is too long");
    return -1;
  }
  return 0;
}

static int arg_int(napi_env env, napi_value value, int32_t *out) {
  if (napi_get_value_int32(env, value, out) != napi_ok) {
    throw_type(env, "expected a number argument");
    return -1;
  }
  return 0;
}

static napi_value make_int(napi_env env, int32_t n) {
  napi_value value;
  napi_create_int32(env, n, &value);
  return value;
}

static napi_value make_uint(napi_env env, uint32_t n) {
  napi_value value;
  napi_create_uint32(env, n, &value);
  return value;
}

/* Binds and listens on an already created socket; closes it and throws on failure. */
static napi_value bind_listen(napi_env env, int fd, const struct sockaddr *sa, socklen_t len, int backlog) {
  if (bind(fd, sa, len) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  if (listen(fd, backlog) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "listen", err);
  }
  return make_int(env, fd);
}

/* listenTcp(host, port, backlog) -> fd. IPV6_V6ONLY lets 0.0.0.0:P and [::]:P coexist. */
static napi_value listen_tcp(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  char host[INET6_ADDRSTRLEN + 1];
  int32_t port, backlog;
  struct sockaddr_storage ss;
  socklen_t len;
  int one = 1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) return throw_type(env, "listenTcp(host, port, backlog)");
  if (arg_string(env, argv[0], host, sizeof host) || arg_int(env, argv[1], &port) ||
      arg_int(env, argv[2], &backlog)) return NULL;
  if (port < 0 || port > 65535) return throw_errno(env, "bind", EINVAL);
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    len = sizeof *v6;
  } else {
    return throw_errno(env, "inet_pton", EINVAL);
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)) {
    int err = errno;
    close(fd);
    return throw_errno(env, "setsockopt", err);
  }
  return bind_listen(env, fd, (struct sockaddr *)&ss, len, backlog);
}

/*
 * 1 if path is a socket file nobody listens on (connect is refused): safe to unlink.
 * The probe is non-blocking so a live listener with a full backlog counts as live.
 */
static int is_stale_socket(const char *path, const struct sockaddr_un *sa) {
  struct stat st;
  if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode)) return 0;
  int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (probe < 0) return 0;
  int refused = connect(probe, (const struct sockaddr *)sa, sizeof *sa) != 0 && errno == ECONNREFUSED;
  close(probe);
  return refused;
}

/*
 * listenUnix(path, backlog) -> fd.
 * (1) bind; (2) on EADDRINUSE, if the file is a stale socket (nobody listens), unlink it
 * and bind once more; a live socket or a non-socket file keeps EADDRINUSE; (3) listen,
 * removing the file we bound if that fails.
 */
static napi_value listen_unix(napi_env env, napi_callback_info info) {
  size_t argc = 2, length = 0;
  napi_value argv[2];
  struct sockaddr_un sa;
  int32_t backlog;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return throw_type(env, "listenUnix(path, backlog)");
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  if (napi_get_value_string_utf8(env, argv[0], sa.sun_path, sizeof sa.sun_path, &length) != napi_ok)
    return throw_type(env, "expected a string path");
  if (length == 0) return throw_errno(env, "bind", ENOENT);
  if (length + 1 >= sizeof sa.sun_path) return throw_errno(env, "bind", ENAMETOOLONG);
  if (arg_int(env, argv[1], &backlog)) return NULL;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) { /* (1) */
    int err = errno;
    if (err != EADDRINUSE || !is_stale_socket(sa.sun_path, &sa)) { /* (2) */
      close(fd);
      return throw_errno(env, "bind", err);
    }
    if (unlink(sa.sun_path) != 0 && errno != ENOENT) {
      err = errno;
      close(fd);
      return throw_errno(env, "unlink", err);
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
      err = errno;
      close(fd);
      return throw_errno(env, "bind", err);
    }
  }
  if (listen(fd, backlog) != 0) { /* (3) */
    int err = errno;
    close(fd);
    unlink(sa.sun_path);
    return throw_errno(env, "listen", err);
  }
  return make_int(env, fd);
}

static napi_value close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) return throw_type(env, "closeFd(fd)");
  if (arg_int(env, argv[0], &fd)) return NULL;
  /* On Linux the descriptor is released even when close() reports EINTR. */
  if (close(fd) != 0 && errno != EINTR) return throw_errno(env, "close", errno);
  return NULL;
}

static napi_value local_port(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) return throw_type(env, "localPort(fd)");
  if (arg_int(env, argv[0], &fd)) return NULL;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) return throw_errno(env, "getsockname", errno);
  if (ss.ss_family == AF_INET) return make_int(env, ntohs(((struct sockaddr_in *)&ss)->sin_port));
  if (ss.ss_family == AF_INET6) return make_int(env, ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
  return throw_errno(env, "getsockname", EAFNOSUPPORT);
}

static napi_value peer_cred(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  int32_t fd;
  struct ucred cred;
  socklen_t len = sizeof cred;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) return throw_type(env, "peerCred(fd)");
  if (arg_int(env, argv[0], &fd)) return NULL;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return throw_errno(env, "getsockopt", errno);
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "pid", make_int(env, cred.pid));
  napi_set_named_property(env, result, "uid", make_uint(env, cred.uid));
  napi_set_named_property(env, result, "gid", make_uint(env, cred.gid));
  return result;
}

/* pipe() -> [readFd, writeFd], both close-on-exec: only the child that gets one as stdio keeps it. */
static napi_value make_pipe(napi_env env, napi_callback_info info) {
  int fds[2];
  napi_value result;
  (void)info;
  if (pipe2(fds, O_CLOEXEC) != 0) return throw_errno(env, "pipe2", errno);
  napi_create_array_with_length(env, 2, &result);
  napi_set_element(env, result, 0, make_int(env, fds[0]));
  napi_set_element(env, result, 1, make_int(env, fds[1]));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "listenTcp", NULL, listen_tcp, NULL, NULL, NULL, napi_enumerable, NULL },
    { "listenUnix", NULL, listen_unix, NULL, NULL, NULL, napi_enumerable, NULL },
    { "closeFd", NULL, close_fd, NULL, NULL, NULL, napi_enumerable, NULL },
    { "localPort", NULL, local_port, NULL, NULL, NULL, napi_enumerable, NULL },
    { "peerCred", NULL, peer_cred, NULL, NULL, NULL, napi_enumerable, NULL },
    { "pipe", NULL, make_pipe, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
