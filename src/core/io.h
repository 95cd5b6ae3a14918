// File helpers: atomic writes (temp file + rename) so an interrupted run never
// leaves a half-written artifact, and whole-file reads with clear errors.
#pragma once

#include <string>

namespace hwnas {

/// Writes `data` to `path` atomically: `path.tmp` then rename. Creates parent dirs.
void write_file_atomic(const std::string& path, const std::string& data);
/// Reads a whole file; throws hwnas::Error naming the path when it cannot.
std::string read_file(const std::string& path);
bool file_exists(const std::string& path);
/// mkdir -p
void make_dirs(const std::string& path);

}  // namespace hwnas
