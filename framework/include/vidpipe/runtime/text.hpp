// Small text helpers shared by the validator and the CLI.
#pragma once

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

}  // namespace vidpipe::runtime
