// Text checks shared by the domain's records: names, titles and comments are shown on phones
// and boards and printed in reports, so bytes that are not text are refused.
#ifndef POINTS_SERVER_DOMAIN_TEXT_H_
#define POINTS_SERVER_DOMAIN_TEXT_H_

#include <string_view>

namespace points::domain {

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsUtf8(std::string_view s);

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_TEXT_H_
