// The byte form of the domain's stored records: fixed-width big-endian integers and
// length-prefixed strings, read back with bounds checks (a short or overlong record reads as
// not ok, never past its end). Each record type puts a version byte first.
#ifndef POINTS_SERVER_DOMAIN_VALUES_CODEC_H_
#define POINTS_SERVER_DOMAIN_VALUES_CODEC_H_

#include <cstdint>
#include <string>
#include <utility>

#include "points/types.h"

namespace points::domain {

class RecordWriter {
 public:
  RecordWriter& Int(uint64_t v, int width) {
    for (int shift = 8 * (width - 1); shift >= 0; shift -= 8) {
      bytes_.push_back(static_cast<char>(v >> shift & 0xff));
    }
    return *this;
  }
  RecordWriter& Id128(Id v) { return Int(absl::Uint128High64(v), 8).Int(absl::Uint128Low64(v), 8); }
  RecordWriter& Text(const std::string& s) {
    Int(s.size(), 4);
    bytes_ += s;
    return *this;
  }
  std::string bytes() && { return std::move(bytes_); }

 private:
  std::string bytes_;
};

class RecordReader {
 public:
  explicit RecordReader(const std::string& bytes) : bytes_(bytes) {}
  uint64_t Int(int width) {
    if (pos_ + width > bytes_.size()) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < width; ++i) v = v << 8 | static_cast<uint8_t>(bytes_[pos_++]);
    return v;
  }
  Id Id128() {
    const uint64_t high = Int(8);
    return absl::MakeUint128(high, Int(8));
  }
  std::string Text() {
    const uint64_t size = Int(4);
    if (!ok_ || pos_ + size > bytes_.size()) {
      ok_ = false;
      return "";
    }
    std::string s = bytes_.substr(pos_, size);
    pos_ += size;
    return s;
  }
  bool done_ok() const { return ok_ && pos_ == bytes_.size(); }

 private:
  const std::string& bytes_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// `v` as `width` big-endian bytes: key parts that sort as numbers.
inline std::string BigEndian(uint64_t v, int width) {
  return std::move(RecordWriter().Int(v, width)).bytes();
}

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_VALUES_CODEC_H_
