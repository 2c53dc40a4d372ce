// Small text helpers shared by the validator and the CLI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vidpipe::runtime {

// Levenshtein distance.
std::size_t edit_distance(const std::string& a, const std::string& b);
// " (did you mean 'x'?)" for the closest candidate within a sensible distance, else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);
// "message (fix: fix)", or the message alone when there is no fix: how every error ends.
std::string with_fix(const std::string& message, const std::string& fix);
std::string join(const std::vector<std::string>& items, const std::string& sep);

// Length of the UTF-8 character starting at s[i] (its code point in `cp`), 0 when invalid.
std::size_t utf8_char(const std::string& s, std::size_t i, uint32_t& cp);
// Characters a terminal acts on or hides: C0/C1 controls, DEL, bidirectional overrides,
// zero-width marks.
bool is_hidden_or_control(uint32_t cp);
// `s` safe to print on a terminal: those characters and invalid UTF-8 bytes escaped as \n,
// \t, \r, \xNN or \u{NNNN}. Every line vidpipe prints that holds input-derived text goes
// through it (names and URLs are data: they must not move the cursor or retitle the window).
std::string printable(const std::string& s);
// The longest prefix of `s` of at most `max_bytes` that ends on a character boundary.
std::string utf8_prefix(const std::string& s, std::size_t max_bytes);

}  // namespace vidpipe::runtime
