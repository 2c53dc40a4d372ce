// The -o folder: each job's outputs are written to a staging folder and published under their
// final name only when complete, by rules that never delete or replace anything vidpipe did
// not create (docs/outputs.md):
//   - a published folder carries a marker (.vidpipe-output.json: the input it came from and
//     the files written); only a folder with a marker for the same input is ever replaced,
//     and only when asked (ExistingOutput::Overwrite);
//   - a folder in the way that another input produced makes the job use `<name>-<hash>`;
//     anything else in the way (no marker: the user's files) is an error naming it;
//   - publishing is one rename that refuses to replace (renameat2 RENAME_NOREPLACE), or one
//     atomic exchange when overwriting, so a reader never sees a half-written folder;
//   - a staging folder (.<name>.partial-<pid>) carries a marker naming its process (host,
//     boot, pid namespace, pid, start time); those of processes that are gone are removed at
//     the start of the next run, never those of live processes or of other hosts.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "vidpipe/runtime/executor.hpp"  // ExistingOutput

namespace vidpipe::runtime {


class OutputFolder {
 public:
  OutputFolder(std::string root, ExistingOutput policy);

  // Removes staging folders of dead vidpipe processes on this host; one message per folder.
  std::vector<std::string> clean_stale() const;

  struct Claim {
    enum Status : uint8_t { Ready, Skip, Refused };
    Status status = Refused;
    std::string name;         // the folder name finally used (may have gained a hash)
    std::string final_dir;    // root/name
    std::string key;          // the input key the folder is claimed for (recorded at publish)
    std::string staging_dir;  // Ready: the staging folder, created
    std::string reason, hint; // Skip / Refused: why, and the fix
  };
  // Picks the job's folder: the one of `names` or `also` that already holds an output of this
  // input, if any (the policy then decides: refuse, overwrite or skip); else the first of
  // `names` that is free and not `taken` by another input of this run. Creates its staging
  // folder. `also` lists names only looked up (names an earlier run may have used).
  Claim claim(const std::vector<std::string>& names, const std::vector<std::string>& also, const std::string& key,
              const std::function<bool(const std::string&)>& taken) const;

  // Moves a Ready claim's staging folder to its final name, recording the job's `status` (ok
  // or partial) in the marker. Returns "" on success, else the error (the staging folder is
  // then removed). `note` receives what the caller should tell the user (e.g. files kept from a
  // replaced output).
  std::string publish(const Claim& c, const std::string& status, std::string& hint, std::string& note) const;

  // Removes a claim's staging folder (a failed or interrupted job).
  void discard(const Claim& c) const;

 private:
  Claim& stage(Claim& c) const;
  std::string root_;
  ExistingOutput policy_;
};

}  // namespace vidpipe::runtime
