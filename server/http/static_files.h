// The web app's built files from --web-root DIR: content types, ETags and caching (names under
// assets/ carry a content hash and are cached for a year; everything else, index.html first, is
// revalidated each time), precompressed FILE.gz when the client accepts gzip, index.html for
// unknown paths under the app (the app routes them itself), a strict Content-Security-Policy,
// and never a byte from outside the root (.., %2e%2e, symlinks out, dotfiles: refused).
//
// No Beast here: a request in, a response out, so tests can hold it to that directly.
#ifndef POINTS_SERVER_HTTP_STATIC_FILES_H_
#define POINTS_SERVER_HTTP_STATIC_FILES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace points::server::http {

// The largest file served (a built web app's are far smaller); and how much is kept in memory.
inline constexpr uint64_t kStaticFileBytesMax = 32 << 20;
inline constexpr uint64_t kStaticCacheBytesMax = 64 << 20;
// Names under this folder are hashed by the app's build: cached for a year.
inline constexpr absl::string_view kHashedAssetsPrefix = "/assets/";
inline constexpr char kImmutableCacheControl[] = "public, max-age=31536000, immutable";
inline constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

struct StaticRequest {
  absl::string_view method;  // "GET" or "HEAD"; anything else is 405
  absl::string_view target;  // as sent: path, maybe a query
  absl::string_view accept_encoding;
  absl::string_view if_none_match;
};

struct StaticResponse {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type among them
  std::shared_ptr<const std::string> body;                   // never null
  uint64_t content_length = 0;  // of the entity: HEAD and 304 send no body but say its size
};

class StaticFiles {
 public:
  // `root` must be a directory; it is resolved once (symlinks in the root's own path are fine).
  static absl::StatusOr<std::unique_ptr<StaticFiles>> Open(const std::string& root);

  StaticResponse Serve(const StaticRequest& request);

 private:
  struct File {
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    std::string etag;
    std::string policy;  // Content-Security-Policy: kContentSecurityPolicy, with a page's styles
    std::shared_ptr<const std::string> content;
  };
  explicit StaticFiles(std::string root) : root_(std::move(root)) {}
  // The file at `relative` (no "..", no leading '/'), or NOT_FOUND; kept when it fits.
  absl::StatusOr<std::shared_ptr<const File>> Load(const std::string& relative);
  StaticResponse Respond(const StaticRequest& request, const std::string& relative,
                         const File& file, const File* gzip);

  const std::string root_;  // resolved, no trailing '/'
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const File>> cache_ ABSL_GUARDED_BY(mu_);
  uint64_t cached_bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

// The path of `target` under a web root, decoded and checked: "" for the root itself, or
// segments joined by '/'. INVALID_ARGUMENT for a ".." segment (plain or %-encoded), a NUL or a
// backslash; NOT_FOUND for a dotfile segment (.git, .env).
absl::StatusOr<std::string> SafeRelativePath(absl::string_view target);

// The Content-Security-Policy for an HTML page: kContentSecurityPolicy, its style-src also
// allowing each inline <style> element of `html` by its SHA-256 (the first paint's critical CSS,
// which the page needs before its stylesheet arrives); nothing else inline.
std::string PolicyForPage(absl::string_view html);

// Whether an Accept-Encoding header accepts gzip.
bool AcceptsGzip(absl::string_view accept_encoding);

}  // namespace points::server::http

#endif  // POINTS_SERVER_HTTP_STATIC_FILES_H_
