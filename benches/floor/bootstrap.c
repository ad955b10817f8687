/* The cold-start floor: the least a Lambda `bootstrap` can do, in C.
 *
 * Not a runtime: a yardstick for lambda-zero's start-up (issue 13). One TCP
 * connection to AWS_LAMBDA_RUNTIME_API ("a.b.c.d:port[/prefix]" or
 * "localhost:port"), HTTP/1.1 with Content-Length framing only (no chunked),
 * no stdio, no heap, no threads, and every event answered with the default
 * lambda-zero bootstrap's API Gateway Hello World (src/bin/bootstrap.rs).
 * Exits 0 when the API closes the connection between requests, 1 on anything
 * unexpected. Built by scripts/build-floor.sh (musl-gcc -static -Os).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static const char BODY[] = "{\"statusCode\":200,\"headers\":{\"content-type\":\"text/plain\"},"
                           "\"body\":\"Hello World!\",\"isBase64Encoded\":false}";
static char buf[7 << 20];  /* bss: a page is touched only when an event needs it */
static char next[512], head[1024];
static size_t have;        /* bytes in buf */
static int fd;

static void die(void) { _exit(1); }

static size_t cat(char *out, size_t at, const char *s, size_t n) {
  if (at + n > 1000) die();
  memcpy(out + at, s, n);
  return at + n;
}
static size_t cats(char *out, size_t at, const char *s) { return cat(out, at, s, strlen(s)); }

static void send_all(const struct iovec *iov, int n) {
  struct iovec v[2] = {iov[0], n > 1 ? iov[1] : (struct iovec){0, 0}};
  while (v[0].iov_len + v[1].iov_len) {
    ssize_t w = writev(fd, v, 2);
    if (w <= 0) die();
    for (int i = 0; i < 2; i++) {
      size_t k = (size_t)w < v[i].iov_len ? (size_t)w : v[i].iov_len;
      v[i].iov_base = (char *)v[i].iov_base + k, v[i].iov_len -= k, w -= k;
    }
  }
}

/* Case-insensitive header lookup inside head[0..end): value start, length. */
static const char *header(const char *h, size_t end, const char *name, size_t *len) {
  size_t n = strlen(name);
  for (const char *p = h; p + n + 2 < h + end; p++) {
    if (p[0] != '\n' || strncasecmp(p + 1, name, n) || p[n + 1] != ':') continue;
    const char *v = p + n + 2, *e = v;
    while (*v == ' ') v++;
    for (e = v; e < h + end && *e != '\r'; e++) {}
    *len = (size_t)(e - v);
    return v;
  }
  return 0;
}

/* Reads one answer; returns the head's length, sets *body and the request id. */
static size_t answer(size_t *body, const char **id, size_t *idlen, int eof_ok) {
  char *end;
  while (!(end = have >= 4 ? memmem(buf, have, "\r\n\r\n", 4) : 0)) {
    if (have == sizeof buf) die();
    ssize_t r = read(fd, buf + have, sizeof buf - have);
    if (r == 0 && have == 0 && eof_ok) _exit(0);
    if (r <= 0) die();
    have += (size_t)r;
  }
  size_t h = (size_t)(end - buf) + 4, n = 0;
  if (have < 12 || memcmp(buf, "HTTP/1.1 2", 10)) die();
  const char *cl = header(buf, h, "content-length", &n);
  *body = cl ? strtoul(cl, 0, 10) : 0;
  if (id) *id = header(buf, h, "lambda-runtime-aws-request-id", idlen);
  if (h + *body > sizeof buf) die();
  while (have < h + *body) {
    ssize_t r = read(fd, buf + have, sizeof buf - have);
    if (r <= 0) die();
    have += (size_t)r;
  }
  return h;
}

static void consume(size_t n) { memmove(buf, buf + n, have - n), have -= n; }

int main(void) {
  const char *api = getenv("AWS_LAMBDA_RUNTIME_API"), *colon, *slash;
  if (!api || !(colon = strchr(api, ':'))) die();
  slash = strchr(colon, '/');
  char host[64], prefix[128] = "";
  size_t hl = (size_t)(colon - api), pl = slash ? strlen(slash) : 0;
  if (hl >= sizeof host || pl >= sizeof prefix) die();
  memcpy(host, api, hl), host[hl] = 0, memcpy(prefix, slash ? slash : "", pl), prefix[pl] = 0;
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(colon + 1))};
  if (!inet_pton(AF_INET, strcmp(host, "localhost") ? host : "127.0.0.1", &sa.sin_addr)) die();
  fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa)) die();
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof one);
  char hostline[96];
  size_t hn = cats(hostline, 0, "Host: "), nl, k;
  hn = cat(hostline, hn, api, slash ? (size_t)(slash - api) : strlen(api));
  hn = cats(hostline, hn, "\r\n"), hostline[hn] = 0;
  nl = cats(next, 0, "GET "), nl = cats(next, nl, prefix);
  nl = cats(next, nl, "/2018-06-01/runtime/invocation/next HTTP/1.1\r\n");
  nl = cats(next, nl, hostline), nl = cats(next, nl, "\r\n");
  char len[24];
  size_t ll = sizeof len;
  for (size_t v = sizeof BODY - 1; (len[--ll] = (char)('0' + v % 10), v /= 10);) {}
  for (;;) {
    send_all(&(struct iovec){next, nl}, 1);
    size_t body, idn = 0;
    const char *id = 0;
    size_t h = answer(&body, &id, &idn, 1);
    if (!id || idn == 0 || idn > 200) die();
    for (size_t i = 0; i < idn; i++)  /* ids go into the path as they are: no escaping */
      if (id[i] <= ' ' || id[i] == '/' || id[i] == '?' || id[i] == '%' || id[i] == '#') die();
    k = cats(head, 0, "POST "), k = cats(head, k, prefix);
    k = cats(head, k, "/2018-06-01/runtime/invocation/"), k = cat(head, k, id, idn);
    k = cats(head, k, "/response HTTP/1.1\r\n"), k = cats(head, k, hostline);
    k = cats(head, k, "Content-Type: application/json\r\nContent-Length: ");
    k = cat(head, k, len + ll, sizeof len - ll), k = cats(head, k, "\r\n\r\n");
    consume(h + body);
    send_all((struct iovec[]){{head, k}, {(void *)BODY, sizeof BODY - 1}}, 2);
    h = answer(&body, 0, 0, 0);
    consume(h + body);
  }
}
