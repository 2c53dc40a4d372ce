// One node called outside a graph, as `vidpipe probe` and `vidpipe scenes` call probe.ffmpeg and
// analyze.scenes: a minimal Job (notes, damage) and an Emitter that keeps what the node emits.
#pragma once

#include <mutex>
#include <vector>

#include "vidpipe/runtime/executor.hpp"

namespace vidpipe::cli {

class CallJob final : public Job {
 public:
  explicit CallJob(VideoJob v) : video_(std::move(v)) {}
  const VideoJob& video() const override { return video_; }
  void note(const std::string& key, json value) override {
    std::lock_guard<std::mutex> lock(mu_);
    notes_[key] = std::move(value);
  }
  json notes() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return notes_;
  }
  const json& config() const override { return config_; }
  json timing() const override { return json::object(); }
  bool cancelled() const override { return false; }
  void mark_partial(const std::string& damage) override {
    std::lock_guard<std::mutex> lock(mu_);
    damage_.add(damage);
  }
  std::string damage() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return damage_.line();
  }

 private:
  VideoJob video_;
  mutable std::mutex mu_;
  runtime::DamageReport damage_;  // reported as `vidpipe run` reports it
  json notes_ = json::object();
  json config_ = json::object();
};

class Collect final : public Emitter {
 public:
  bool emit(Data item, int) override {
    items.push_back(std::move(item));
    return true;
  }
  std::vector<Data> items;
};

}  // namespace vidpipe::cli
