// Request limits: every string, bytes and repeated field a request can carry has a limit, declared
// beside the field in the contract (proto/points/v1/limits.proto: `max_bytes`, `max_items`) and
// enforced here, for every request, right after the caller is authenticated (Gate::Authenticate)
// and before anything else reads it. So an over-long value is refused promptly with a message
// that names the field and the limit, and never reaches a handler that might repeat it back.
#ifndef POINTS_SERVER_GATE_REQUEST_LIMITS_H_
#define POINTS_SERVER_GATE_REQUEST_LIMITS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace points::server {

// OK, or INVALID_ARGUMENT naming the first field over its limit by its path from the request,
// e.g. "award.note: 1047552 bytes, at most 1000" or "transfers: 9000 items, at most 8189".
absl::Status CheckRequestLimits(const google::protobuf::Message& request);

// A field's declared limits; 0 where none is declared.
uint32_t MaxBytes(const google::protobuf::FieldDescriptor& field);
uint32_t MaxItems(const google::protobuf::FieldDescriptor& field);

// The path from a message of type `root` to the field named `field_full_name` (e.g.
// "points.v1.Award.note" in a RecordAwardsRequest: "awards[].note"), through message fields; ""
// when no such field is reachable. Used to name a field that the protobuf parser refused.
std::string FieldPath(const google::protobuf::Descriptor& root, const std::string& field_full_name);

}  // namespace points::server

#endif  // POINTS_SERVER_GATE_REQUEST_LIMITS_H_
