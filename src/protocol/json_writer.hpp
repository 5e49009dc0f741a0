#pragma once
// Appending JSON text by hand on the paths where a DOM would cost more than the message:
// every frame the server sends is built this way, once per publication.

#include <cstdint>
#include <string>
#include <string_view>

namespace sb::protocol {

// Appends `text` as a JSON string literal, quotes included. Control characters, quotes and
// backslashes are escaped; other bytes (UTF-8) are copied as they are.
void append_json_string(std::string& out, std::string_view text);

// The length append_json_string would add (for reserving).
[[nodiscard]] std::size_t json_string_size(std::string_view text) noexcept;

void append_uint(std::string& out, std::uint64_t value);

}  // namespace sb::protocol
