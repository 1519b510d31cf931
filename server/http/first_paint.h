// The household page's first paint: a GET of a page of the web app that carries the household's
// session cookie is answered with its balance already in the HTML, so that on a slow link (2 s a
// request) the one request on the critical path is the page itself.
//
// The web build marks the page: `<template id="first-paint">` holds the HTML to show, with the
// slots {{balance}} (the points balance, a number) and {{state}} (the answers as JSON, which the
// app takes as its initial state). pointsd knows nothing else of the page: it calls
// AdminService.GetCaller with the cookie's token, through the same in-process channel and gate
// as a Connect call, and for a household VillageService.GetHousehold; fills the slots (escaped);
// and puts the template's filled content where the template was. Such an answer is personal:
// `Cache-Control: no-store`, `Vary: Cookie`, no ETag. Anything else (no cookie, no marker, a bad
// or revoked token, a caller that is no household, an error, the deadline) gets the plain page,
// with its usual caching: never an error page.
//
// The cookie authenticates these reads for the page and nothing else: a Connect or gRPC call is
// authenticated by its Authorization header only (http_routes.cc never reads Cookie), because a
// browser attaches cookies to requests another site makes it send (CSRF), and a header it does
// not. The first paint only reads, and shows the answer to the cookie's own holder.
#ifndef POINTS_SERVER_HTTP_FIRST_PAINT_H_
#define POINTS_SERVER_HTTP_FIRST_PAINT_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/http/http_routes.h"

namespace points::server::http {

// The cookie the web app sets at a household's sign-in (clients/web/app/session.ts).
inline constexpr absl::string_view kSessionCookie = "points_session";
// The elder-mode switch while it is on (clients/web/app/shell.tsx): `points_elder=1`. It only
// chooses how the first paint looks: the page's <html> gets class="elder", as the app gives it.
inline constexpr absl::string_view kElderCookie = "points_elder";
// A token is 64 hex digits; anything else in the cookie is not sent on.
inline constexpr size_t kSessionTokenChars = 64;
// Both reads together, from the request on: past this the plain page goes out.
inline constexpr std::chrono::milliseconds kFirstPaintDeadline{300};
inline constexpr absl::string_view kFirstPaintOpen = "<template id=\"first-paint\">";
inline constexpr absl::string_view kFirstPaintClose = "</template>";

// The token of the session cookie in a Cookie header, when it is well formed.
std::optional<std::string> SessionToken(absl::string_view cookie_header);
// Whether a Cookie header has the elder-mode switch on.
bool ElderMode(absl::string_view cookie_header);

// `page` with its first-paint template replaced by the template's content, {{balance}} and
// {{state}} filled (HTML-escaped; the JSON made safe inside a <script>), and with `elder` the
// page's `<html` tag given class="elder". NOT_FOUND without the marker.
absl::StatusOr<std::string> FillFirstPaint(absl::string_view page, uint64_t balance,
                                           absl::string_view state_json, bool elder = false);

// Answers a request for the web app's files: `done` gets the answer once, at once or on a gRPC
// thread (a first paint waits for its reads). `peer` is the caller's address, as for a Connect
// call.
void PageAnswer(Routes& routes, const Request& request, const std::string& peer,
                std::function<void(Response)> done);

}  // namespace points::server::http

#endif  // POINTS_SERVER_HTTP_FIRST_PAINT_H_
