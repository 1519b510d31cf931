// What the HTTP listener (--http-listen) is told on the command line; kept apart from the
// listener so that the flags do not pull Boost.Beast into pointsd_config.
#ifndef POINTS_SERVER_HTTP_HTTP_OPTIONS_H_
#define POINTS_SERVER_HTTP_HTTP_OPTIONS_H_

#include <string>
#include <vector>

namespace points::server::http {

struct HttpOptions {
  std::string listen;                      // HOST:PORT; empty: no HTTP listener
  std::string web_root;                    // the web app's built files; empty: none served
  std::vector<std::string> allow_origins;  // CORS: other origins whose pages may call the API
  int read_seconds = 30;                   // a request's headers and body must arrive within it
  int connections_max = 512;               // open connections; more are closed at once
};

}  // namespace points::server::http

#endif  // POINTS_SERVER_HTTP_HTTP_OPTIONS_H_
