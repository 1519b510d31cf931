// A household's values (README.md; glossary: household, member, proxy, grid) as the household
// book keeps them and the clients see them. Values only: the book is household_book.h.
#ifndef POINTS_SERVER_DOMAIN_VALUES_HOUSEHOLD_VALUES_H_
#define POINTS_SERVER_DOMAIN_VALUES_HOUSEHOLD_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "server/domain/values/ids.h"

namespace points::domain {

inline constexpr size_t kMembersMax = 16;
inline constexpr size_t kNameBytesMax = 64;   // a person's or household's name, UTF-8
inline constexpr size_t kPhoneBytesMax = 20;  // digits, '+', '-', ' '

enum class MemberRole : uint8_t { kHead = 1, kMember = 2 };

struct Member {
  std::string name;
  MemberRole role = MemberRole::kMember;
  std::string phone;  // optional
  friend bool operator==(const Member&, const Member&) = default;
};

struct Household {
  VillageId village = 0;
  uint64_t household = 0;  // its number in the village, not zero
  std::string name;        // e.g. 张家 (the head's family name), optional
  uint32_t grid = 0;       // the grid it belongs to, 0 = none yet
  std::vector<Member> members;
  std::string proxy_name;  // someone who may act for the household, optional
  std::string proxy_phone;
  bool closed = false;
  friend bool operator==(const Household&, const Household&) = default;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_HOUSEHOLD_VALUES_H_
