// A run directory: one experiment's resolved config, artifacts and logs.
// Every file is written atomically so an interrupted run can resume.
#pragma once

#include <torch/torch.h>

#include <string>

namespace hwnas {

class RunDir {
 public:
  /// Creates `path` (and parents) if needed.
  explicit RunDir(std::string path);
  const std::string& root() const { return root_; }
  /// root/name
  std::string file(const std::string& name) const;
  bool has(const std::string& name) const;
  /// Atomic write of a text artifact. Ranks 1.. of a data-parallel job
  /// write nothing (process_writes_files): rank 0 writes the same.
  void write(const std::string& name, const std::string& text) const;
  /// Removes root/name (a finished training's checkpoint), as write does.
  void remove(const std::string& name) const;
  std::string read(const std::string& name) const;

 private:
  std::string root_;
};

/// Saves module parameters and buffers atomically (rank 0 only, as RunDir::write).
void save_module(torch::nn::Module& module, const std::string& path);
/// Loads them; a file from another space or a corrupt one gives an hwnas::Error.
void load_module(torch::nn::Module& module, const std::string& path);

}  // namespace hwnas
