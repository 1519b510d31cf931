#include "server/http/static_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "openssl/evp.h"
#include "server/http/connect_protocol.h"

namespace points::server::http {
namespace {

struct ContentType {
  absl::string_view extension;
  const char* type;
};
constexpr ContentType kContentTypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".txt", "text/plain; charset=utf-8"},
    {".wasm", "application/wasm"},
};

const char* ContentTypeOf(absl::string_view path) {
  for (const ContentType& entry : kContentTypes) {
    if (absl::EndsWithIgnoreCase(path, entry.extension)) return entry.type;
  }
  return "application/octet-stream";
}

absl::string_view LastSegment(absl::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

// Whether an If-None-Match header names `etag` (weakly: W/"x" matches "x"), or is "*".
bool Matches(absl::string_view if_none_match, absl::string_view etag) {
  for (absl::string_view tag : absl::StrSplit(if_none_match, ',')) {
    tag = absl::StripAsciiWhitespace(tag);
    if (absl::StartsWith(tag, "W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

StaticResponse Plain(unsigned status, std::string text) {
  StaticResponse response;
  response.status = status;
  response.headers = {{"Content-Type", "text/plain; charset=utf-8"},
                      {"Cache-Control", "no-store"},
                      {"X-Content-Type-Options", "nosniff"}};
  response.content_length = text.size();
  response.body = std::make_shared<const std::string>(std::move(text));
  return response;
}

absl::StatusOr<std::string> ReadAll(const std::string& path, uint64_t size) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(path);
  std::string bytes(size, '\0');
  size_t done = 0;
  while (done < size) {
    const ssize_t n = read(fd, bytes.data() + done, size - done);
    if (n <= 0) break;
    done += size_t(n);
  }
  close(fd);
  if (done != size) return absl::UnavailableError(absl::StrCat(path, " changed while read"));
  return bytes;
}

std::string Sha256Base64(absl::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  return absl::Base64Escape(absl::string_view(reinterpret_cast<const char*>(digest), size));
}

}  // namespace

std::string PolicyForPage(absl::string_view html) {
  constexpr absl::string_view kOpen = "<style>", kClose = "</style>",
                              kStyleSrc = "style-src 'self'";
  std::string hashes;
  for (size_t at = html.find(kOpen); at != absl::string_view::npos; at = html.find(kOpen, at)) {
    at += kOpen.size();
    const size_t end = html.find(kClose, at);
    if (end == absl::string_view::npos) break;
    absl::StrAppend(&hashes, " 'sha256-", Sha256Base64(html.substr(at, end - at)), "'");
    at = end;
  }
  return absl::StrReplaceAll(kContentSecurityPolicy,
                             {{kStyleSrc, absl::StrCat(kStyleSrc, hashes)}});
}

absl::StatusOr<std::string> SafeRelativePath(absl::string_view target) {
  target = target.substr(0, target.find_first_of("?#"));
  std::optional<std::string> decoded = PercentDecode(target, /*plus_is_space=*/false);
  if (!decoded || decoded->empty() || (*decoded)[0] != '/') {
    return absl::InvalidArgumentError("a path must start with '/' and %-escapes be whole");
  }
  if (decoded->find('\0') != std::string::npos || decoded->find('\\') != std::string::npos) {
    return absl::InvalidArgumentError("a path may not hold NUL or '\\'");
  }
  std::vector<absl::string_view> kept;
  for (absl::string_view segment : absl::StrSplit(*decoded, '/', absl::SkipEmpty())) {
    if (segment == "." || segment == "..") {
      return absl::InvalidArgumentError("a path may not hold '.' or '..' segments");
    }
    if (segment[0] == '.') return absl::NotFoundError("dotfiles are not served");
    kept.push_back(segment);
  }
  std::string relative = absl::StrJoin(kept, "/");
  if (!kept.empty() && decoded->back() == '/') relative.push_back('/');
  return relative;
}

bool AcceptsGzip(absl::string_view accept_encoding) {
  for (absl::string_view coding : absl::StrSplit(accept_encoding, ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(coding, ';');
    const absl::string_view name = absl::StripAsciiWhitespace(parts[0]);
    if (!absl::EqualsIgnoreCase(name, "gzip") && name != "*") continue;
    bool refused = false;  // "gzip;q=0"
    for (size_t i = 1; i < parts.size(); ++i) {
      const absl::string_view parameter = absl::StripAsciiWhitespace(parts[i]);
      if (absl::StartsWith(parameter, "q=")) {
        refused = parameter.substr(2).find_first_not_of("0.") == absl::string_view::npos;
      }
    }
    if (!refused) return true;
  }
  return false;
}

absl::StatusOr<std::unique_ptr<StaticFiles>> StaticFiles::Open(const std::string& root) {
  char resolved[PATH_MAX];
  struct stat info;
  if (realpath(root.c_str(), resolved) == nullptr || stat(resolved, &info) != 0 ||
      !S_ISDIR(info.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat("--web-root ", root, " is not a directory"));
  }
  return std::unique_ptr<StaticFiles>(new StaticFiles(resolved));
}

absl::StatusOr<std::shared_ptr<const StaticFiles::File>> StaticFiles::Load(
    const std::string& relative) {
  const std::string path = absl::StrCat(root_, "/", relative);
  struct stat info;
  if (stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return absl::NotFoundError(relative);
  }
  const int64_t mtime_ns = int64_t{info.st_mtim.tv_sec} * 1'000'000'000 + info.st_mtim.tv_nsec;
  const auto size = uint64_t(info.st_size);
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = cache_.find(relative);
    if (it != cache_.end() && it->second->size == size && it->second->mtime_ns == mtime_ns) {
      return it->second;
    }
  }
  // A symlink may point out of the root: what it resolves to must lie inside.
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr ||
      !absl::StartsWith(resolved, absl::StrCat(root_, "/"))) {
    return absl::NotFoundError(relative);
  }
  if (size > kStaticFileBytesMax) return absl::NotFoundError(relative);
  absl::StatusOr<std::string> content = ReadAll(path, size);
  if (!content.ok()) return content.status();
  auto file = std::make_shared<File>();
  file->size = size;
  file->mtime_ns = mtime_ns;
  file->etag = absl::StrCat("\"", absl::Hex(size), "-", absl::Hex(mtime_ns), "\"");
  file->policy =
      absl::EndsWith(relative, ".html") ? PolicyForPage(*content) : kContentSecurityPolicy;
  file->content = std::make_shared<const std::string>(*std::move(content));
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = cache_.try_emplace(relative, nullptr);
  if (!inserted) cached_bytes_ -= it->second->size;
  if (cached_bytes_ + size <= kStaticCacheBytesMax) {
    it->second = file;
    cached_bytes_ += size;
  } else {
    cache_.erase(it);
  }
  return file;
}

StaticResponse StaticFiles::Respond(const StaticRequest& request, const std::string& relative,
                                    const File& file, const File* gzip) {
  // The policy is the page's (`file`); what goes out, and its tag, may be its FILE.gz.
  const File& sent = gzip ? *gzip : file;
  StaticResponse response;
  response.headers = {
      {"Content-Type", ContentTypeOf(relative)},
      {"ETag", sent.etag},
      {"Cache-Control", absl::StartsWith(absl::StrCat("/", relative), kHashedAssetsPrefix)
                            ? kImmutableCacheControl
                            : "no-cache"},
      {"Vary", "Accept-Encoding"},
      {"Content-Security-Policy", file.policy},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
  };
  if (gzip) response.headers.emplace_back("Content-Encoding", "gzip");
  response.content_length = sent.size;
  if (Matches(request.if_none_match, sent.etag)) {
    response.status = 304;
    response.content_length = 0;
    response.body = std::make_shared<const std::string>();
    return response;
  }
  response.body = request.method == "HEAD" ? std::make_shared<const std::string>() : sent.content;
  return response;
}

StaticResponse StaticFiles::Serve(const StaticRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    StaticResponse refused = Plain(405, "the web app's files are read with GET or HEAD\n");
    refused.headers.emplace_back("Allow", "GET, HEAD");
    return refused;
  }
  absl::StatusOr<std::string> relative = SafeRelativePath(request.target);
  if (absl::IsInvalidArgument(relative.status())) {
    return Plain(400, absl::StrCat(relative.status().message(), "\n"));
  }
  if (!relative.ok()) return Plain(404, "not found\n");
  if (relative->empty() || relative->back() == '/') *relative += "index.html";
  absl::StatusOr<std::shared_ptr<const File>> file = Load(*relative);
  if (!file.ok()) {
    // An address of the app's own (/households/3): the app routes it. A file that is not there
    // (anything with an extension, or under assets/) is a plain 404.
    const bool app_route = LastSegment(*relative).find('.') == absl::string_view::npos &&
                           !absl::StartsWith(absl::StrCat("/", *relative), kHashedAssetsPrefix);
    if (app_route) {
      const std::string dir = absl::StrCat(*relative, "/index.html");
      file = Load(dir);
      if (file.ok()) return Respond(request, dir, **file, nullptr);
      *relative = "index.html";
      file = Load(*relative);
    }
    if (!file.ok()) return Plain(404, "not found\n");
  }
  if (AcceptsGzip(request.accept_encoding)) {
    absl::StatusOr<std::shared_ptr<const File>> gz = Load(*relative + ".gz");
    if (gz.ok()) return Respond(request, *relative, **file, gz->get());
  }
  return Respond(request, *relative, **file, nullptr);
}

}  // namespace points::server::http
