// libFuzzer target for the journal record decoder (engine/src/records.*), which reads every
// record at recovery and in verify: on any 128 bytes it must not crash, and whatever it accepts
// must be exactly what the encoder writes for the decoded fields, so that no byte of a record
// can change without a decoder noticing. Built with clang (POINTS_FUZZ=ON, scripts/fuzz); the
// seed corpus is tests/engine/fuzz_corpus/record/.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "records.h"

namespace points {
namespace {

Record Reencode(const DecodedRecord& decoded) {
  switch (decoded.kind) {
    case RecordKind::kAccountCreated:
      return EncodeAccountCreated(AccountFromRecord(decoded));
    case RecordKind::kAccountClosed:
      return EncodeAccountClosed(decoded.transfer.id, decoded.transfer.timestamp);
    default:
      return EncodeTransfer(decoded.kind, decoded.transfer, decoded.result);
  }
}

}  // namespace
}  // namespace points

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace points;
  if (size != kRecordSize) return -1;  // records are fixed-size: other lengths are not inputs
  Record record;
  std::memcpy(record.bytes.data(), data, size);
  DecodedRecord decoded;
  if (!DecodeRecord(record, &decoded)) return 0;
  if (Reencode(decoded).bytes != record.bytes) std::abort();  // accepted bytes it would not write
  (void)RecordTimestamp(record);
  (void)LeafHash(record);
  return 0;
}
